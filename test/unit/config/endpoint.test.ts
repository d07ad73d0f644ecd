import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { assertRejected, config, httpRoute, rejection, route } from './support.ts';

const LAMBDA_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-sink';

describe('http endpoint', () => {
  test('an http endpoint gets POST, 10 s, the envelope body and no secrets by default', () => {
    const parsed = parseBridgeConfig(config([route()]));
    assert.deepEqual(parsed.routes[0]?.endpoint, {
      type: 'http',
      url: 'https://orders.example.com/kafka',
      method: 'POST',
      timeoutMs: 10_000,
      body: 'envelope',
    });
  });

  test('every http setting given is kept', () => {
    const endpoint = {
      type: 'http',
      url: 'https://orders.example.com:8443/kafka?source=bridge',
      method: 'PUT',
      timeoutMs: 900_000,
      headersSecret: 'bridge/orders/headers',
      signingSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bridge/orders/hmac-AbCdEf',
      signing: 'bridge-v2',
      signingV1: true,
      body: 'raw',
    };
    const parsed = parseBridgeConfig(config([route({ endpoint })]));
    assert.deepEqual(parsed.routes[0]?.endpoint, endpoint);
  });

  test('url must use https for a remote host', () => {
    assertRejected(config([httpRoute({ url: 'http://orders.example.com/kafka' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.url',
      message: /must use https:\/\/.*local hosts/,
    });
  });

  test('url must be http or https', () => {
    assertRejected(config([httpRoute({ url: 'ftp://orders.example.com/kafka' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.url',
      message: /must use https:\/\//,
    });
  });

  test('url must be absolute', () => {
    assertRejected(config([httpRoute({ url: '/orders' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.url',
      message: /absolute URL/,
    });
  });

  test('url must not carry credentials, and the message does not repeat them', () => {
    const issue = assertRejected(
      config([httpRoute({ url: 'https://bridge:s3cret@orders.example.com/kafka' })]),
      {
        route: 'orders',
        field: 'routes[orders].endpoint.url',
        message: /credentials.*headersSecret/,
      },
    );
    assert.ok(!issue.message.includes('s3cret'));
    assert.ok(
      !rejection(
        config([httpRoute({ url: 'https://bridge:s3cret@orders.example.com/kafka' })]),
      ).message.includes('s3cret'),
    );
  });

  test('url is required', () => {
    assertRejected(config([route({ endpoint: { type: 'http' } })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.url',
      message: /is required/,
    });
  });

  test("method is 'POST' or 'PUT'", () => {
    assertRejected(config([httpRoute({ method: 'GET' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.method',
    });
  });

  test('timeoutMs is at most 15 minutes (the Lambda limit)', () => {
    assertRejected(config([httpRoute({ timeoutMs: 900_001 })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.timeoutMs',
      message: /900000 \(15 minutes\)/,
    });
  });

  test('timeoutMs is at least 1', () => {
    assertRejected(config([httpRoute({ timeoutMs: 0 })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.timeoutMs',
    });
  });

  test('headersSecret is a secret name or ARN', () => {
    assertRejected(config([httpRoute({ headersSecret: 'Bearer abc def' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.headersSecret',
      message: /Secrets Manager secret name.*or a secret ARN/,
    });
  });

  test('signingSecret is a secret name or ARN', () => {
    assertRejected(config([httpRoute({ signingSecret: 'arn:aws:s3:::bucket/key' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.signingSecret',
      message: /Secrets Manager secret name/,
    });
  });

  test('signing: standard-webhooks and signingV1 need a signing secret; v1 goes with bridge-v2 only', () => {
    assertRejected(config([httpRoute({ signing: 'standard-webhooks' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.signingSecret',
      message: /required with signing 'standard-webhooks'/,
    });
    assertRejected(config([httpRoute({ signingV1: true })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.signingV1',
      message: /needs signingSecret/,
    });
    assertRejected(
      config([httpRoute({ signing: 'standard-webhooks', signingSecret: 's', signingV1: true })]),
      {
        route: 'orders',
        field: 'routes[orders].endpoint.signingV1',
        message: /bridge-v2' only/,
      },
    );
    assertRejected(config([httpRoute({ signing: 'v3', signingSecret: 's' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.signing',
    });
  });

  test('auth: oauth2 needs a token URL and a credentials secret; a client certificate needs https', () => {
    const oauth2 = { tokenUrl: 'https://auth.example.com/token', credentialsSecret: 'team/oauth' };
    const parsed = parseBridgeConfig(
      config([httpRoute({ auth: { oauth2: { ...oauth2, scope: 'orders:write' } } })]),
    );
    const endpoint = parsed.routes[0]?.endpoint;
    assert.deepEqual(endpoint?.type === 'http' ? endpoint.auth : undefined, {
      oauth2: { ...oauth2, scope: 'orders:write' },
    });
    assertRejected(
      config([httpRoute({ auth: { oauth2: { ...oauth2, tokenUrl: 'http://auth.example.com/t' } } })]),
      {
        route: 'orders',
        field: 'routes[orders].endpoint.auth.oauth2.tokenUrl',
        message: /must use https/,
      },
    );
    assertRejected(config([httpRoute({ auth: { oauth2: { tokenUrl: oauth2.tokenUrl } } })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.auth.oauth2.credentialsSecret',
    });
    assertRejected(config([httpRoute({ auth: {} })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.auth',
      message: /must set oauth2 or clientCertificateSecret/,
    });
    assertRejected(
      config([
        httpRoute({ url: 'http://127.0.0.1:8080/hook', auth: { clientCertificateSecret: 'team/cert' } }),
      ]),
      {
        route: 'orders',
        field: 'routes[orders].endpoint.auth.clientCertificateSecret',
        message: /needs an https:\/\/ url/,
      },
    );
  });

  test("deliver.batch needs body 'envelope'; maxRecords is at most the FIFO batch of 10", () => {
    assertRejected(
      config([
        route({
          endpoint: { type: 'http', url: 'https://o.example.com/k', body: 'raw' },
          deliver: { batch: {} },
        }),
      ]),
      {
        route: 'orders',
        field: 'routes[orders].deliver.batch',
        message: /body 'envelope'/,
      },
    );
    assertRejected(config([route({ deliver: { batch: { maxRecords: 11 } } })]), {
      route: 'orders',
      field: 'routes[orders].deliver.batch.maxRecords',
      message: /at most 10/,
    });
    const parsed = parseBridgeConfig(config([route({ deliver: { batch: {} } })]));
    assert.deepEqual(parsed.routes[0]?.deliver.batch, { maxRecords: 10, maxBytes: 1024 * 1024 });
  });

  test("body is 'envelope' or 'raw'", () => {
    assertRejected(config([httpRoute({ body: 'json' })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.body',
    });
  });

  test('an unknown http endpoint key is rejected (typo)', () => {
    assertRejected(config([httpRoute({ timeout: 5000 })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.timeout',
      message: /not a known setting/,
    });
  });
});

describe('lambda endpoint', () => {
  test('a lambda endpoint gets a 10 s timeout by default', () => {
    const parsed = parseBridgeConfig(
      config([route({ endpoint: { type: 'lambda', functionArn: LAMBDA_ARN } })]),
    );
    assert.deepEqual(parsed.routes[0]?.endpoint, {
      type: 'lambda',
      functionArn: LAMBDA_ARN,
      timeoutMs: 10_000,
    });
  });

  test('a qualified ARN (alias) in another partition is accepted', () => {
    const functionArn = 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:orders-sink:live';
    const parsed = parseBridgeConfig(
      config([route({ endpoint: { type: 'lambda', functionArn, timeoutMs: 60_000 } })]),
    );
    assert.deepEqual(parsed.routes[0]?.endpoint, { type: 'lambda', functionArn, timeoutMs: 60_000 });
  });

  test('functionArn must be a Lambda function ARN, not a bare name', () => {
    assertRejected(config([route({ endpoint: { type: 'lambda', functionArn: 'orders-sink' } })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.functionArn',
      message: /Lambda function ARN/,
    });
  });

  test('timeoutMs is at most 15 minutes', () => {
    assertRejected(
      config([route({ endpoint: { type: 'lambda', functionArn: LAMBDA_ARN, timeoutMs: 900_001 } })]),
      {
        route: 'orders',
        field: 'routes[orders].endpoint.timeoutMs',
      },
    );
  });

  test('http settings are not accepted on a lambda endpoint', () => {
    assertRejected(
      config([route({ endpoint: { type: 'lambda', functionArn: LAMBDA_ARN, method: 'POST' } })]),
      {
        route: 'orders',
        field: 'routes[orders].endpoint.method',
        message: /not a known setting/,
      },
    );
  });
});

describe('endpoint type', () => {
  test("type is 'http' or 'lambda'", () => {
    assertRejected(config([route({ endpoint: { type: 'sqs', url: 'https://sqs.example.com' } })]), {
      route: 'orders',
      field: 'routes[orders].endpoint.type',
      message: /'http' \| 'lambda'/,
    });
  });

  test('endpoint is required', () => {
    assertRejected(config([{ name: 'orders', topics: ['orders'] }]), {
      route: 'orders',
      field: 'routes[orders].endpoint',
      message: /is required/,
    });
  });
});
