import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BridgeConfigInput, parseBridgeConfig } from '../../../lib/config/index.ts';
import { assertRejected, config, httpRoute, type Raw, rejection, route } from './support.ts';

// Deploy mode (the CDK construct) refuses what only works on one machine; local mode (the
// default) keeps accepting it. Every rejection names the route (when in one) and the field.
const DEPLOY = { mode: 'deploy' } as const;
const REMOTE_BROKERS = ['b-1.kafka.example.com:9096', 'b-2.kafka.example.com:9096'];
const LAMBDA_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-sink';

/** A config that deploys: remote brokers, the given routes. */
function deployable(routes: Raw[] = [route()], brokers: string[] = REMOTE_BROKERS): Raw {
  return config(routes, { kafka: { brokers } });
}

/** Imports a sample config module afresh, with KAFKA_BROKERS unset as on a fresh clone. */
async function freshSample(file: string): Promise<BridgeConfigInput> {
  const saved = process.env.KAFKA_BROKERS;
  delete process.env.KAFKA_BROKERS;
  try {
    const url = new URL(`../../../${file}?fresh=${Date.now()}-${Math.random()}`, import.meta.url);
    return ((await import(url.href)) as { default: BridgeConfigInput }).default;
  } finally {
    if (saved !== undefined) process.env.KAFKA_BROKERS = saved;
  }
}

describe('deploy mode', () => {
  test('accepts https endpoints, Lambda endpoints and remote brokers', () => {
    const input = deployable([
      route(),
      route({ name: 'audit', topics: ['audit'], endpoint: { type: 'lambda', functionArn: LAMBDA_ARN } }),
      httpRoute({ url: 'https://10.0.3.7:8443/kafka?source=bridge' }),
    ]);
    // The third route is also named orders: rename it so only valid routes remain.
    (input.routes as Raw[])[2] = { ...(input.routes as Raw[])[2], name: 'vpc', topics: ['vpc'] };
    const parsed = parseBridgeConfig(input, DEPLOY);
    assert.deepEqual(
      parsed.routes.map((r) => r.name),
      ['orders', 'audit', 'vpc'],
    );
    assert.deepEqual(parsed.kafka.brokers, REMOTE_BROKERS);
  });

  for (const url of [
    'http://127.0.0.1:8787/orders',
    'http://localhost:8787/orders',
    'https://127.0.0.1:8443/orders',
    'https://127.9.9.9/orders',
    'https://localhost/orders',
    'https://LOCALHOST./orders',
    'https://api.localhost/orders',
    'https://[::1]:8443/orders',
    'https://0.0.0.0/orders',
    'https://[::]/orders',
    'https://[::ffff:127.0.0.1]/orders',
  ]) {
    test(`rejects the loopback endpoint ${url}, which local mode accepts`, () => {
      const input = deployable([httpRoute({ url })]);
      assert.equal(parseBridgeConfig(input).routes[0]?.name, 'orders');
      assertRejected(
        input,
        { route: 'orders', field: 'routes[orders].endpoint.url', message: /loopback host.*deployed stack/ },
        DEPLOY,
      );
    });
  }

  test('says plain http must become https too when a loopback endpoint uses it', () => {
    const issue = assertRejected(
      deployable([httpRoute({ url: 'http://127.0.0.1:8787/orders' })]),
      { route: 'orders', field: 'routes[orders].endpoint.url', message: /must use https:\/\// },
      DEPLOY,
    );
    assert.doesNotMatch(issue.message, /8787/);
  });

  for (const broker of [
    '127.0.0.1:9092',
    '127.1:9092',
    'localhost:9092',
    'LocalHost:9092',
    '[::1]:9092',
    '0.0.0.0:9092',
  ]) {
    test(`rejects the loopback broker ${broker}, which local mode accepts`, () => {
      const input = deployable([route()], [REMOTE_BROKERS[0] ?? '', broker]);
      assert.deepEqual(parseBridgeConfig(input).kafka.brokers, [REMOTE_BROKERS[0], broker]);
      assertRejected(
        input,
        { field: 'kafka.brokers[1]', message: /loopback address.*deployed stack/ },
        DEPLOY,
      );
    });
  }

  test('lists every problem at once, each under its route and field', () => {
    const error = rejection(
      deployable(
        [
          httpRoute({ url: 'https://localhost/orders' }),
          route({
            name: 'payments',
            topics: ['payments'],
            endpoint: { type: 'http', url: 'https://[::1]/p' },
          }),
          route({ name: 'audit', topics: ['audit'], maxInflight: 5 }),
        ],
        ['127.0.0.1:9092'],
      ),
      DEPLOY,
    );
    assert.deepEqual(
      error.issues.map((issue) => [issue.route, issue.field]),
      [
        [undefined, 'kafka.brokers[0]'],
        ['orders', 'routes[orders].endpoint.url'],
        ['payments', 'routes[payments].endpoint.url'],
        ['audit', 'routes[audit].maxInflight'],
      ],
    );
    assert.match(error.message, /^invalid bridge config \(4 problems\):\n/);
  });
});

describe('credentials in the endpoint query', () => {
  for (const [query, param] of [
    ['token=abc', 'token'],
    ['access_token=abc', 'access_token'],
    ['api_key=abc', 'api_key'],
    ['apiKey=abc', 'apiKey'],
    ['X-Amz-Signature=abc&X-Amz-Credential=k', 'X-Amz-Signature'],
    ['sig=abc', 'sig'],
    ['key=abc', 'key'],
    ['client_secret=abc', 'client_secret'],
    ['Password=abc', 'Password'],
    ['code=abc', 'code'],
    ['source=bridge&auth=abc', 'auth'],
  ] as const) {
    test(`?${query} is rejected in every mode, naming ${param} and not its value`, () => {
      for (const options of [{}, DEPLOY]) {
        const issue = assertRejected(
          deployable([httpRoute({ url: `https://orders.example.com/kafka?${query}` })]),
          {
            route: 'orders',
            field: 'routes[orders].endpoint.url',
            message: new RegExp(`credentials in its query \\(parameter "${param}"\\).*headersSecret`),
          },
          options,
        );
        assert.doesNotMatch(issue.message, /abc/);
      }
    });
  }

  test('query parameters that are not credentials pass', () => {
    const url = 'https://orders.example.com/kafka?source=bridge&partitionKey=k&keyspace=orders';
    const parsed = parseBridgeConfig(deployable([httpRoute({ url })]), DEPLOY);
    assert.equal(parsed.routes[0]?.endpoint.type === 'http' && parsed.routes[0].endpoint.url, url);
  });
});

describe('the sample configs', () => {
  test('bridge.config.ts deploys as cloned: a placeholder https endpoint and placeholder brokers', async () => {
    const parsed = parseBridgeConfig(await freshSample('bridge.config.ts'), DEPLOY);
    assert.deepEqual(parsed.kafka.brokers, ['b-1.example.kafka.us-east-1.amazonaws.com:9092']);
    assert.deepEqual(
      parsed.routes.map((r) => [r.name, r.topics, r.endpoint.type === 'http' ? r.endpoint.url : '']),
      [['orders', ['orders'], 'https://orders.example.com/kafka']],
    );
  });

  test('bridge.local.config.ts runs the same routes on the local broker and sample endpoint', async () => {
    const deployed = parseBridgeConfig(await freshSample('bridge.config.ts'), DEPLOY);
    const local = parseBridgeConfig(await freshSample('bridge.local.config.ts'));
    assert.deepEqual(local.kafka.brokers, [`127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`]);
    assert.deepEqual(
      local.routes.map((r) => ({ ...r, endpoint: undefined })),
      deployed.routes.map((r) => ({ ...r, endpoint: undefined })),
    );
    assert.deepEqual(
      local.routes.map((r) => r.endpoint.type === 'http' && r.endpoint.url),
      ['http://127.0.0.1:8787/orders'],
    );
  });

  test('bridge.local.config.ts cannot be deployed: the check names its broker and endpoint', async () => {
    const error = rejection(await freshSample('bridge.local.config.ts'), DEPLOY);
    assert.deepEqual(
      error.issues.map((issue) => issue.field),
      ['kafka.brokers[0]', 'routes[orders].endpoint.url'],
    );
  });
});
