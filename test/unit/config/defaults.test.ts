import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deliverConcurrency, parseBridgeConfig, type Route } from '../../../lib/config/index.ts';
import { assertRejected, config, route } from './support.ts';

function only(routes: readonly Route[]): Route {
  const [first] = routes;
  assert.ok(first !== undefined && routes.length === 1);
  return first;
}

describe('built-in defaults', () => {
  test('a route with name, topics and endpoint gets every documented default', () => {
    const parsed = only(parseBridgeConfig(config([route()])).routes);
    assert.deepEqual(parsed, {
      name: 'orders',
      topics: ['orders'],
      endpoint: {
        type: 'http',
        url: 'https://orders.example.com/kafka',
        method: 'POST',
        timeoutMs: 10_000,
        body: 'envelope',
      },
      groupPrefix: '',
      ordering: 'key',
      maxInFlight: 1000,
      retry: { attempts: 8, inProcessAttempts: 3, baseMs: 200, maxMs: 900_000, jitter: 'full' },
      responses: { success: ['2xx'], retryable: [408, 429, '5xx'] },
      onPoison: 'quarantine',
      startFrom: 'earliest',
      concurrency: 10,
      deliver: {},
    });
  });

  test('optional settings stay absent: no rate limit, breaker, alerts, schema or partitions', () => {
    const parsed = only(parseBridgeConfig(config([route()])).routes);
    for (const key of ['rateLimit', 'breaker', 'alerts', 'schema', 'partitions']) {
      assert.ok(!(key in parsed), `${key} should be absent`);
    }
  });

  test('a nested object given in part gets the rest of its defaults', () => {
    const parsed = only(parseBridgeConfig(config([route({ retry: { attempts: 3 }, breaker: {} })])).routes);
    assert.deepEqual(parsed.retry, {
      attempts: 3,
      inProcessAttempts: 3,
      baseMs: 200,
      maxMs: 900_000,
      jitter: 'full',
    });
    assert.deepEqual(parsed.breaker, {
      failureRatio: 0.5,
      minCalls: 20,
      windowMs: 60_000,
      cooldownMs: 30_000,
    });
  });

  test("responses given in part keep the other list's default", () => {
    const parsed = only(parseBridgeConfig(config([route({ responses: { retryable: ['5xx'] } })])).routes);
    assert.deepEqual(parsed.responses, { success: ['2xx'], retryable: ['5xx'] });
  });

  test("a rate limit's burst defaults to one second's worth, at least 1", () => {
    const parsed = parseBridgeConfig(
      config([
        route({ rateLimit: { perSecond: 12.5 } }),
        route({ name: 'slow', rateLimit: { perSecond: 0.2 } }),
      ]),
    );
    assert.deepEqual(
      parsed.routes.map((r) => r.rateLimit),
      [
        { perSecond: 12.5, burst: 13 },
        { perSecond: 0.2, burst: 1 },
      ],
    );
  });

  test('default lists are fresh for every route (mutating one does not change another)', () => {
    const parsed = parseBridgeConfig(config([route(), route({ name: 'audit' })]));
    const [first, second] = parsed.routes;
    assert.ok(first !== undefined && second !== undefined);
    assert.notEqual(first.responses.retryable, second.responses.retryable);
  });
});

describe('config defaults', () => {
  test('defaults apply to every route that does not set the value itself', () => {
    const parsed = parseBridgeConfig(
      config([route(), route({ name: 'audit', ordering: 'partition', concurrency: 4 })], {
        defaults: { ordering: 'none', concurrency: 20, onPoison: 'dlq', groupPrefix: 'team-a.' },
      }),
    );
    assert.deepEqual(
      parsed.routes.map((r) => [r.name, r.ordering, r.concurrency, r.onPoison, r.groupPrefix]),
      [
        ['orders', 'none', 20, 'dlq', 'team-a.'],
        ['audit', 'partition', 4, 'dlq', 'team-a.'],
      ],
    );
  });

  test("nested defaults merge key by key with the route's own object", () => {
    const parsed = only(
      parseBridgeConfig(
        config([route({ retry: { baseMs: 50 }, alerts: { oncall: 'ana' } })], {
          defaults: {
            retry: { attempts: 5, baseMs: 500 },
            alerts: { discordWebhookSecret: 'discord/team-a' },
          },
        }),
      ).routes,
    );
    assert.deepEqual(parsed.retry, {
      attempts: 5,
      inProcessAttempts: 3,
      baseMs: 50,
      maxMs: 900_000,
      jitter: 'full',
    });
    assert.deepEqual(parsed.alerts, { discordWebhookSecret: 'discord/team-a', oncall: 'ana' });
  });

  test('a derived default (burst) is computed from the merged rate', () => {
    const parsed = only(
      parseBridgeConfig(
        config([route({ rateLimit: { perSecond: 3 } })], { defaults: { rateLimit: { perSecond: 100 } } }),
      ).routes,
    );
    assert.deepEqual(parsed.rateLimit, { perSecond: 3, burst: 3 });
  });

  test('a rule across fields sees the merged values and names the route', () => {
    assertRejected(config([route({ partitions: 200 })], { defaults: { maxInFlight: 1000 } }), {
      route: 'orders',
      field: 'routes[orders].maxInFlight',
      message: /200000/,
    });
  });

  test('an invalid default is reported once, under defaults, not under every route', () => {
    assertRejected(config([route(), route({ name: 'audit' })], { defaults: { retry: { attempts: 0 } } }), {
      field: 'defaults.retry.attempts',
    });
  });

  test('defaults cannot hold per-route fields (name, topics, endpoint, schema, partitions)', () => {
    for (const key of ['name', 'topics', 'endpoint', 'schema', 'partitions']) {
      assertRejected(config([route()], { defaults: { [key]: route()[key] ?? 1 } }), {
        field: `defaults.${key}`,
        message: /not a known setting/,
      });
    }
  });

  test('an unknown key in defaults is rejected (typo)', () => {
    assertRejected(config([route()], { defaults: { retry: { maxMS: 1000 } } }), {
      field: 'defaults.retry.maxMS',
      message: /not a known setting/,
    });
  });
});

describe('deliverConcurrency: the endpoint concurrency split into invocations and calls', () => {
  test('a route setting both concurrency and deliver.maxCallsInFlight is refused, naming the field', () => {
    assertRejected(config([route({ concurrency: 20, deliver: { maxCallsInFlight: 40 } })]), {
      route: 'orders',
      field: 'routes[orders].concurrency',
      message: /not be set together with deliver\.maxCallsInFlight/,
    });
    // Either one alone is fine, and a default concurrency does not count as set.
    parseBridgeConfig(
      config([route({ deliver: { maxCallsInFlight: 40 } })], { defaults: { concurrency: 20 } }),
    );
    parseBridgeConfig(config([route({ concurrency: 20 })]));
  });

  test('without maxCallsInFlight: `concurrency` invocations, each calling the groups of its batch at once', () => {
    assert.deepEqual(deliverConcurrency({ concurrency: 10, deliver: {} }), {
      invocations: 10,
      callsPerInvocation: 10,
    });
  });
  test('with it: invocations x calls never above it, at least the event source minimum of 2 invocations', () => {
    for (const most of [2, 3, 7, 10, 19, 20, 21, 100, 10_000]) {
      const { invocations, callsPerInvocation } = deliverConcurrency({
        concurrency: 10,
        deliver: { maxCallsInFlight: most },
      });
      assert.ok(invocations * callsPerInvocation <= most, `${most}: ${invocations} x ${callsPerInvocation}`);
      assert.ok(invocations >= 2 && invocations <= 1000, `${most}: ${invocations} invocations`);
      assert.ok(callsPerInvocation >= 1 && callsPerInvocation <= 10);
    }
    assert.deepEqual(deliverConcurrency({ concurrency: 10, deliver: { maxCallsInFlight: 20 } }), {
      invocations: 2,
      callsPerInvocation: 10,
    });
  });
});
