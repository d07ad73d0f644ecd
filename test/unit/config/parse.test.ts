import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BridgeConfig,
  type BridgeConfigInput,
  defineConfig,
  parseBridgeConfig,
} from '../../../lib/config/index.ts';
import { assertRejected, config, rejection, route } from './support.ts';

describe('parseBridgeConfig', () => {
  test('a full config: every setting given is kept, defaults merged, nothing added', () => {
    const input: BridgeConfigInput = {
      kafka: {
        brokers: ['b-1.msk.example.com:9098', 'b-2.msk.example.com:9098'],
        clientId: 'bridge',
        ssl: true,
        sasl: { mechanism: 'aws-iam' },
      },
      defaults: {
        groupPrefix: 'shop.',
        retry: { attempts: 10, maxMs: 3_600_000 },
        alerts: { discordWebhookSecret: 'bridge/discord/shop' },
      },
      routes: [
        {
          name: 'orders',
          topics: ['shop.orders', 'shop.orders-eu'],
          endpoint: {
            type: 'http',
            url: 'https://orders.example.com/kafka',
            method: 'PUT',
            timeoutMs: 5000,
            headersSecret: 'bridge/orders/headers',
            signingSecret: 'bridge/orders/hmac',
            body: 'raw',
          },
          ordering: 'partition',
          maxInFlight: 500,
          rateLimit: { perSecond: 200, burst: 400 },
          retry: { inProcessAttempts: 2, baseMs: 100, jitter: 'none' },
          responses: { success: ['2xx', 409], retryable: [429, '5xx'] },
          onPoison: 'dlq',
          schema: { type: 'object', required: ['orderId'] },
          startFrom: 'latest',
          concurrency: 50,
          breaker: { failureRatio: 0.8, minCalls: 50, windowMs: 30_000, cooldownMs: 10_000 },
          alerts: { oncall: '@orders-oncall' },
          partitions: 24,
        },
        {
          name: 'invoices',
          topics: ['shop.invoices'],
          endpoint: {
            type: 'lambda',
            functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:invoices',
          },
        },
      ],
    };
    const expected: BridgeConfig = {
      kafka: {
        brokers: ['b-1.msk.example.com:9098', 'b-2.msk.example.com:9098'],
        clientId: 'bridge',
        ssl: true,
        sasl: { mechanism: 'aws-iam' },
      },
      routes: [
        {
          name: 'orders',
          topics: ['shop.orders', 'shop.orders-eu'],
          endpoint: {
            type: 'http',
            url: 'https://orders.example.com/kafka',
            method: 'PUT',
            timeoutMs: 5000,
            headersSecret: 'bridge/orders/headers',
            signingSecret: 'bridge/orders/hmac',
            body: 'raw',
          },
          groupPrefix: 'shop.',
          ordering: 'partition',
          maxInFlight: 500,
          rateLimit: { perSecond: 200, burst: 400 },
          retry: { attempts: 10, inProcessAttempts: 2, baseMs: 100, maxMs: 3_600_000, jitter: 'none' },
          responses: { success: ['2xx', 409], retryable: [429, '5xx'] },
          onPoison: 'dlq',
          schema: { type: 'object', required: ['orderId'] },
          startFrom: 'latest',
          concurrency: 50,
          deliver: {},
          breaker: { failureRatio: 0.8, minCalls: 50, windowMs: 30_000, cooldownMs: 10_000 },
          alerts: { discordWebhookSecret: 'bridge/discord/shop', oncall: '@orders-oncall' },
          partitions: 24,
        },
        {
          name: 'invoices',
          topics: ['shop.invoices'],
          endpoint: {
            type: 'lambda',
            functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:invoices',
            timeoutMs: 10_000,
          },
          groupPrefix: 'shop.',
          ordering: 'key',
          maxInFlight: 1000,
          retry: { attempts: 10, inProcessAttempts: 3, baseMs: 200, maxMs: 3_600_000, jitter: 'full' },
          responses: { success: ['2xx'], retryable: [408, 429, '5xx'] },
          onPoison: 'quarantine',
          startFrom: 'earliest',
          concurrency: 10,
          deliver: {},
          alerts: { discordWebhookSecret: 'bridge/discord/shop' },
        },
      ],
    };
    assert.deepEqual(parseBridgeConfig(input), expected);
  });

  test('the input is not modified', () => {
    const input = config([route({ retry: { attempts: 4 } })], { defaults: { retry: { baseMs: 50 } } });
    const copy = structuredClone(input);
    parseBridgeConfig(input);
    assert.deepEqual(input, copy);
  });

  test('defineConfig returns its argument unchanged', () => {
    const input: BridgeConfigInput = { kafka: { brokers: ['k:9092'] }, routes: [] };
    assert.equal(defineConfig(input), input);
  });

  test('every problem is listed in one error, each under its field path', () => {
    const error = rejection(
      config(
        [
          route({
            name: 'orders',
            maxInflight: 10,
            endpoint: { type: 'http', url: 'http://orders.example.com' },
          }),
          route({ name: 'payments', topics: [], concurrency: 0 }),
        ],
        { kafka: { brokers: ['nope'] }, defaults: { onPoison: 'skip' } },
      ),
    );
    const expected = [
      { field: 'kafka.brokers[0]' },
      { field: 'defaults.onPoison' },
      { route: 'orders', field: 'routes[orders].endpoint.url' },
      { route: 'orders', field: 'routes[orders].maxInflight' },
      { route: 'payments', field: 'routes[payments].topics' },
      { route: 'payments', field: 'routes[payments].concurrency' },
    ];
    assert.deepEqual(
      error.issues.map(({ route: name, field }) => (name === undefined ? { field } : { route: name, field })),
      expected,
    );
    assert.match(error.message, /^invalid bridge config \(6 problems\):\n/);
    for (const issue of error.issues)
      assert.ok(error.message.includes(`\n  - ${issue.field}: ${issue.message}`));
    assert.equal(error.route, undefined);
    assert.equal(error.field, 'kafka.brokers[0]');
  });

  test('the config must be an object', () => {
    assertRejected(null, { field: '(config)', message: /must be an object, got null/ });
  });

  test('routes must list at least one route', () => {
    assertRejected(config([]), { field: 'routes', message: /at least one route/ });
  });

  test('routes is required', () => {
    assertRejected({ kafka: { brokers: ['k:9092'] } }, { field: 'routes', message: /is required/ });
  });

  test('an unknown top-level key is rejected (typo)', () => {
    assertRejected(config([route()], { default: {} }), { field: 'default', message: /not a known setting/ });
  });
});
