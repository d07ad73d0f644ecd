// Hostile endpoints and secrets against the HTTP target: real local HTTP servers, secrets in
// moto's Secrets Manager. A redirect is not followed, a secret's headers never override the
// bridge's own, and a secret value never appears in an error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError, SecretReader } from '../../lib/aws/secrets.ts';
import { parseBridgeConfig, type Route } from '../../lib/config/index.ts';
import { DeliveryError } from '../../lib/deliver/errors.ts';
import { REDACTED } from '../../lib/deliver/headers.ts';
import { HttpTarget } from '../../lib/deliver/http-target.ts';
import { SIGNATURE_HEADER } from '../../lib/deliver/signature.ts';
import { SIGNATURE_V2_HEADER } from '../../lib/deliver/signature-v2.ts';
import { EXCERPT_BYTES } from '../../lib/deliver/target.ts';
import type { Envelope } from '../../lib/envelope/index.ts';
import { assertReachable, awsEndpoint, secretsClient, uniqueName } from '../support/aws.ts';
import { type Script, TestEndpoint } from '../support/endpoint.ts';

let secrets: SecretsManagerClient;
const endpoints: TestEndpoint[] = [];

before(async () => {
  await assertReachable(awsEndpoint(), 'moto (Secrets Manager)');
  secrets = secretsClient();
});

after(async () => {
  secrets.destroy();
  await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
});

async function endpoint(script: Script): Promise<TestEndpoint> {
  const started = await TestEndpoint.start(script);
  endpoints.push(started);
  return started;
}

async function secret(value: string): Promise<string> {
  const name = uniqueName('hostile');
  await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}

function routeTo(url: string, extra: Record<string, unknown> = {}): Route {
  const config = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      { name: 'orders', topics: ['orders'], endpoint: { type: 'http', url, timeoutMs: 2_000, ...extra } },
    ],
  });
  const route = config.routes[0];
  assert.ok(route);
  return route;
}

function targetFor(route: Route): HttpTarget {
  assert.equal(route.endpoint.type, 'http');
  if (route.endpoint.type !== 'http') throw new Error('unreachable');
  return new HttpTarget({
    endpoint: route.endpoint,
    responses: route.responses,
    secrets: new SecretReader(secrets),
  });
}

const ENVELOPE: Envelope = {
  route: 'orders',
  topic: 'orders',
  partition: 0,
  offset: '7',
  from: '7',
  timestamp: '-1',
  key: Buffer.from('k'),
  headers: [],
  value: { inline: Buffer.from('{"secret-order":1}') },
};
const REQUEST = {
  envelope: ENVELOPE,
  payload: Buffer.from('{"secret-order":1}'),
  recordId: 'orders/orders/0/7',
};

async function deliveryError(target: HttpTarget): Promise<DeliveryError> {
  const error = await target.deliver(REQUEST).then(
    () => assert.fail('the delivery should have failed'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof DeliveryError, `a DeliveryError, got ${String(error)}`);
  return error;
}

describe('http target: redirects', () => {
  test('a 307 to another origin is not followed: not retryable, the reason names the origin only', async () => {
    // Prepare: the second server is where the redirect points.
    const elsewhere = await endpoint(() => ({ status: 200 }));
    const location = `http://127.0.0.1:${elsewhere.port}/collect?token=leaked-token`;
    const first = await endpoint(() => ({ status: 307, headers: { location } }));
    const headersSecret = await secret(JSON.stringify({ authorization: 'Bearer redirect-secret' }));
    const signingSecret = await secret('signing-key');
    const target = targetFor(routeTo(first.url, { headersSecret, signingSecret }));
    // Act
    const error = await deliveryError(target);
    // Assess
    assert.equal(error.retryable, false);
    assert.equal(error.status, 307);
    assert.match(
      error.message,
      new RegExp(`redirect to http://127\\.0\\.0\\.1:${elsewhere.port} \\(not followed\\)`),
    );
    assert.doesNotMatch(error.message, /collect|token/, 'neither the path nor the query of the Location');
    assert.equal(first.received.length, 1);
    assert.equal(first.received[0]?.headers.authorization, 'Bearer redirect-secret');
    assert.ok(first.received[0]?.headers[SIGNATURE_V2_HEADER]);
    assert.equal(elsewhere.received.length, 0, 'the body, secret headers and signature went nowhere else');
  });

  test('every 3xx is a failure, even to the same origin or without a Location', async () => {
    const target = await endpoint((request) =>
      request.path === '/hook' ? { status: 308, headers: { location: '/moved' } } : { status: 200 },
    );
    const same = await deliveryError(targetFor(routeTo(target.url)));
    assert.equal(same.status, 308);
    assert.match(same.message, new RegExp(`redirect to http://127\\.0\\.0\\.1:${target.port} `));
    assert.equal(target.received.length, 1, '/moved was never asked for');
    const bare = await endpoint(() => ({ status: 302 }));
    assert.match((await deliveryError(targetFor(routeTo(bare.url)))).message, /no Location header/);
  });
});

describe('http target: headers from the secret', () => {
  test("mixed-case secret headers never override the bridge's own; the request carries one value each", async () => {
    // Prepare
    const received = await endpoint(() => ({ status: 200 }));
    const headersSecret = await secret(
      JSON.stringify({
        'Idempotency-Key': 'forged-id',
        'Content-Type': 'text/forged',
        'X-Bridge-Signature': 'v1=forged',
        'Webhook-Signature': 'v1,forged',
        Authorization: 'Bearer kept',
      }),
    );
    const target = targetFor(routeTo(received.url, { headersSecret, signingSecret: await secret('k') }));
    // Act
    await target.deliver(REQUEST);
    // Assess
    const headers = received.received[0]?.headers;
    assert.ok(headers);
    assert.equal(headers['idempotency-key'], 'orders/orders/0/7');
    assert.equal(headers['content-type'], 'application/json');
    assert.match(String(headers[SIGNATURE_V2_HEADER]), /^default=[0-9a-f]{64}$/);
    assert.equal(headers[SIGNATURE_HEADER], undefined, 'v1 is off, and the forged one is not sent instead');
    assert.equal(headers['webhook-signature'], undefined);
    assert.equal(headers.authorization, 'Bearer kept');
  });

  for (const [what, value] of [
    ['a NUL', 'Bearer sec\u0000ret-nul'],
    ['CRLF', 'Bearer secret-crlf\r\nX-Injected: 1'],
  ] as const) {
    test(`a secret header value holding ${what} is a SecretError naming the secret, never the value`, async () => {
      const received = await endpoint(() => ({ status: 200 }));
      const headersSecret = await secret(JSON.stringify({ authorization: value }));
      const target = targetFor(routeTo(received.url, { headersSecret }));
      const error = await target.deliver(REQUEST).then(
        () => assert.fail('should fail'),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof SecretError);
      assert.ok(error.message.includes(headersSecret), error.message);
      assert.match(error.message, /header authorization/);
      assert.doesNotMatch(`${error.message} ${String(error.cause ?? '')}`, /secret-crlf|sec.ret-nul|Bearer/);
      assert.equal(received.received.length, 0, 'nothing was sent');
    });
  }

  test("an endpoint echoing the request: the secret headers' values are redacted from the answer excerpt", async () => {
    const value = 'Bearer s3cr3t-token-value';
    const headersSecret = await secret(JSON.stringify({ authorization: value }));
    const echo = await endpoint((request) => ({ status: 400, body: JSON.stringify(request.headers) }));
    const error = await deliveryError(targetFor(routeTo(echo.url, { headersSecret })));
    assert.ok(error.excerpt?.includes(`"authorization":"${REDACTED}"`), error.excerpt);
    assert.doesNotMatch(String(error.excerpt), /s3cr3t/);
    // A value cut by the excerpt's end is removed too.
    const cut = await endpoint(() => ({ status: 400, body: `${'x'.repeat(EXCERPT_BYTES - 10)}${value}` }));
    const cutError = await deliveryError(targetFor(routeTo(cut.url, { headersSecret })));
    assert.ok(cutError.excerpt?.endsWith(REDACTED), cutError.excerpt?.slice(-40));
    assert.doesNotMatch(String(cutError.excerpt), /Bearer s3/);
  });

  test('a secret header name that is not a token is refused by position', async () => {
    const received = await endpoint(() => ({ status: 200 }));
    const headersSecret = await secret(JSON.stringify({ ok: 'a', 'Bearer pasted-secret': 'b' }));
    const error = await targetFor(routeTo(received.url, { headersSecret }))
      .deliver(REQUEST)
      .then(
        () => assert.fail('should fail'),
        (caught: unknown) => caught,
      );
    assert.ok(error instanceof SecretError);
    assert.match(error.message, /field #2's name is not a valid header name/);
    assert.doesNotMatch(error.message, /pasted-secret/);
  });
});

describe('http target: network errors', () => {
  test('a refused connection is reported as a class and code, not fetch text', async () => {
    const gone = await endpoint(() => ({ status: 200 }));
    const url = gone.url;
    await gone.stop();
    endpoints.splice(endpoints.indexOf(gone), 1);
    const error = await deliveryError(targetFor(routeTo(url)));
    assert.equal(error.retryable, true);
    assert.match(error.message, /failed: connection refused \(ECONNREFUSED\)$/);
    assert.equal(error.cause, undefined);
  });
});
