import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, Duration, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { mskIamStatements } from '../../../cdk/lib/kafka-access.ts';
import {
  deliverTimeout,
  oldestMessageAgeThreshold,
  visibilityTimeoutFor,
} from '../../../cdk/lib/route-resources.ts';
import {
  type BridgeConfigInput,
  BridgeStack,
  ConfigError,
  type KafkaConnectionProps,
  parseBridgeConfig,
  type RouteInput,
} from '../../../index.ts';
import { maxReceiveCount } from '../../../lib/config/index.ts';

/*
 * Props checks and derivations. Bad props throw while the stack is constructed, before any
 * function is bundled, so these tests synthesize nothing.
 */

const ROUTE: RouteInput = {
  name: 'orders',
  topics: ['orders'],
  endpoint: { type: 'http', url: 'https://orders.example.com/kafka' },
};

function config(
  routes: RouteInput[],
  kafka: BridgeConfigInput['kafka'] = { brokers: ['kafka:9092'] },
): BridgeConfigInput {
  return { kafka, routes };
}

function build(input: BridgeConfigInput, kafka?: KafkaConnectionProps): void {
  const app = new App();
  new BridgeStack(app, 'Bad', { bridge: { config: input, ...(kafka === undefined ? {} : { kafka }) } });
}

/** Asserts that building fails with a ConfigError naming this route (if any) and field. */
function assertConfigError(
  run: () => void,
  expected: { route?: string; field: string; message: RegExp },
): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    assert.equal(error.route, expected.route);
    assert.equal(error.field, expected.field);
    assert.ok(error.message.includes(expected.field), 'the message names the field');
    assert.match(error.message, expected.message);
    return true;
  });
}

/** `count` routes of distinct teams, about 200 bytes of JSON each. */
function manyRoutes(count: number): RouteInput[] {
  return Array.from({ length: count }, (_, index) => ({
    ...ROUTE,
    name: `team-${index}-orders`,
    topics: [`team-${index}.orders.v1`],
    endpoint: { type: 'http' as const, url: `https://team-${index}.example.com/kafka/orders` },
  }));
}

describe('bad props fail at synth, naming route and field', () => {
  test('an invalid filter pattern', () => {
    const filter = { value: { total: [{ numeric: ['>', 'ten'] }] } };
    assertConfigError(() => build(config([ROUTE, { ...ROUTE, name: 'payments', filter }])), {
      route: 'payments',
      field: 'routes[payments].filter.value.total[0].numeric[1]',
      message: /must be a number/,
    });
  });

  test('a route concurrency below the event source minimum', () => {
    assertConfigError(() => build(config([ROUTE, { ...ROUTE, name: 'payments', concurrency: 1 }])), {
      route: 'payments',
      field: 'routes[payments].concurrency',
      message: /at least 2/,
    });
  });

  test('an endpoint over plain http to a remote host', () => {
    assertConfigError(
      () => build(config([{ ...ROUTE, endpoint: { type: 'http', url: 'http://orders.example.com/kafka' } }])),
      { route: 'orders', field: 'routes[orders].endpoint.url', message: /https/ },
    );
  });

  test('an endpoint on a loopback host, even over https (deploy mode)', () => {
    assertConfigError(
      () => build(config([{ ...ROUTE, endpoint: { type: 'http', url: 'https://127.0.0.1:8443/orders' } }])),
      { route: 'orders', field: 'routes[orders].endpoint.url', message: /loopback host/ },
    );
  });

  test("local mode's endpoint: plain http to 127.0.0.1 (deploy mode)", () => {
    assertConfigError(
      () => build(config([{ ...ROUTE, endpoint: { type: 'http', url: 'http://127.0.0.1:8787/orders' } }])),
      { route: 'orders', field: 'routes[orders].endpoint.url', message: /loopback host.*https:\/\// },
    );
  });

  test('an endpoint URL with a credential in its query', () => {
    assertConfigError(
      () =>
        build(
          config([
            { ...ROUTE, endpoint: { type: 'http', url: 'https://orders.example.com/k?access_token=x' } },
          ]),
        ),
      { route: 'orders', field: 'routes[orders].endpoint.url', message: /"access_token"/ },
    );
  });

  test('a loopback broker in the config, or in the props that override it', () => {
    assertConfigError(() => build(config([ROUTE], { brokers: ['kafka:9092', 'localhost:9092'] })), {
      field: 'kafka.brokers[1]',
      message: /loopback address/,
    });
    assertConfigError(() => build(config([ROUTE]), { brokers: ['[::1]:9092'] }), {
      field: 'props.kafka.brokers[0]',
      message: /loopback address/,
    });
  });

  test('a misspelt route setting', () => {
    assertConfigError(() => build(config([{ ...ROUTE, maxInflight: 10 } as RouteInput])), {
      route: 'orders',
      field: 'routes[orders].maxInflight',
      message: /not a known setting/,
    });
  });

  test('MSK IAM from the config without a cluster ARN to scope the permissions', () => {
    assertConfigError(
      () =>
        build(
          config([ROUTE], {
            brokers: ['b-1.msk.example.com:9098'],
            ssl: true,
            sasl: { mechanism: 'aws-iam' },
          }),
        ),
      { field: 'kafka.sasl.mechanism', message: /clusterArn/ },
    );
  });

  test("routes holding deploy-time values (tokens) beyond Lambda's 4 KB of environment", () => {
    // Tokens cannot be written into a file at synth, so these routes stay in the environment.
    const holder = new Stack(new App(), 'Holder');
    const oncall = new secretsmanager.Secret(holder, 'Oncall').secretName;
    const routes = manyRoutes(40).map((route) => ({ ...route, alerts: { oncall } }));
    assertConfigError(() => build(config(routes)), {
      field: 'routes',
      message: /deploy-time values .*4096 bytes/,
    });
  });

  test('mTLS without TLS', () => {
    const app = new App();
    const holder = new Stack(app, 'Secrets');
    const secret = secretsmanager.Secret.fromSecretNameV2(holder, 'Cert', 'kafka/client-cert');
    assertConfigError(
      () =>
        new BridgeStack(app, 'Bad', {
          bridge: { config: config([ROUTE]), kafka: { auth: { kind: 'mtls', secret } } },
        }),
      { field: 'props.kafka.tls', message: /mTLS/ },
    );
  });
});

describe('many routes', () => {
  test('15 routes, one with a 6 KB JSON schema: functions get their routes in a layer file, the poller scales on one series', () => {
    // Prepare: the layer file itself is read back on the two-route app.
    const app = new App();
    const properties = Object.fromEntries(
      Array.from({ length: 120 }, (_, index) => [
        `customer_field_${index}`,
        { type: 'string', maxLength: 64, description: 'a field of the order' },
      ]),
    );
    const [first, ...rest] = manyRoutes(15);
    assert.ok(first !== undefined);
    const routes = [{ ...first, schema: { type: 'object', properties } }, ...rest];
    assert.ok(JSON.stringify(routes[0]).length > 6_000, 'one route alone is beyond 4 KB');

    // Act
    const stack = new BridgeStack(app, 'Many', { bridge: { config: config(routes) } });

    // Assess
    const template = Template.fromStack(stack);
    const stacks = [stack, ...stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack)];
    const environments = stacks.flatMap((owner) =>
      Object.values(Template.fromStack(owner).findResources('AWS::Lambda::Function')).map((fn) => ({
        owner,
        env: (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables,
      })),
    );
    assert.equal(environments.length, 2 * 15 + 2, 'deliver and DLQ consumer per route, commit, notify');
    for (const { owner, env } of environments) {
      assert.equal(env.BRIDGE_CONFIG_FILE, '/opt/bridge-config.json');
      assert.deepEqual(Object.keys(JSON.parse(owner.resolve(env.BRIDGE_CONFIG_JSON) as string)), ['kafka']);
      // Role ids (none since the senders moved to SSM; kept as a guard) count as deployed: 21 characters each,
      // not the length of the reference the template holds until deploy.
      const deployed = JSON.stringify(owner.resolve(env)).replace(
        /\{"Fn::GetAtt":\["[^"]+","[^"]*RoleId"\]\}/g,
        '"AROA00000000000000000"',
      );
      assert.ok(Buffer.byteLength(deployed) < 4_096, `${Buffer.byteLength(deployed)} bytes of environment`);
    }
    // An alarm combines at most 10 metrics: a MAX over 15 route series would fail the synth.
    const scaling = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      JSON.stringify(alarm).includes('largest route commit lag'),
    );
    assert.equal(scaling.length, 2);
  });
});

describe('derived settings', () => {
  const route = (input: Partial<RouteInput>) => {
    const [parsed] = parseBridgeConfig(config([{ ...ROUTE, ...input } as RouteInput])).routes;
    assert.ok(parsed);
    return parsed;
  };

  test('deliverer timeout: a batch of 10 endpoint timeouts plus 30 s, at most 15 minutes', () => {
    assert.equal(deliverTimeout(route({})).toSeconds(), 130);
    assert.equal(
      deliverTimeout(
        route({ endpoint: { type: 'http', url: 'https://a.example.com', timeoutMs: 2_500 } }),
      ).toSeconds(),
      55,
    );
    assert.equal(
      deliverTimeout(
        route({ endpoint: { type: 'http', url: 'https://a.example.com', timeoutMs: 600_000 } }),
      ).toSeconds(),
      900,
    );
  });

  test('queue visibility: 6x the function timeout, capped at 12 hours', () => {
    assert.equal(visibilityTimeoutFor(Duration.seconds(130)).toSeconds(), 780);
    assert.equal(visibilityTimeoutFor(Duration.minutes(15)).toSeconds(), 5_400);
    assert.equal(visibilityTimeoutFor(Duration.hours(3)).toSeconds(), 12 * 3600);
  });

  test('maxReceiveCount: attempts plus margin; SQS maximum when the route blocks on poison', () => {
    assert.equal(maxReceiveCount(route({})), 8 + 5);
    assert.equal(maxReceiveCount(route({ retry: { attempts: 3, inProcessAttempts: 1 } })), 8);
    assert.equal(maxReceiveCount(route({ onPoison: 'block' })), 1000);
    // The largest schedule the config allows still fits SQS's maxReceiveCount.
    assert.equal(maxReceiveCount(route({ retry: { attempts: 995 } })), 1000);
  });

  test('oldest message age alarm: the whole retry schedule, at least 15 minutes', () => {
    assert.equal(oldestMessageAgeThreshold(route({})).toSeconds(), 8 * 900);
    assert.equal(
      oldestMessageAgeThreshold(
        route({ retry: { attempts: 2, inProcessAttempts: 1, maxMs: 1_000 } }),
      ).toSeconds(),
      900,
    );
  });
});

describe('MSK IAM permissions', () => {
  // The grants per role are checked in the synthesized template (msk-iam.test.ts).
  const { routes } = parseBridgeConfig(config([ROUTE], { brokers: ['b-1:9098'], ssl: true }));

  test('no statements for other auth kinds', () => {
    assert.deepEqual(mskIamStatements({ kind: 'none' }, 'poller', routes), []);
  });
});
