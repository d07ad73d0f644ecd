import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PartitionCommit } from '../../../lib/commit/committer.ts';
import { largestRouteLag, routesOfStreamEvent, routesTouched } from '../../../lib/commit/run.ts';
import { parsePartitionKey, partitionKey } from '../../../lib/completion/completion.ts';
import { entriesPartitionKey } from '../../../lib/completion/entry.ts';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { bridgeConfigFromEnv, routeFromEnv } from '../../../lib/runtime/config.ts';

const input = {
  kafka: { brokers: ['127.0.0.1:9092'] },
  routes: [
    { name: 'orders', topics: ['orders'], endpoint: { type: 'http', url: 'https://a.example.com/' } },
    {
      name: 'payments',
      topics: ['payments', 'refunds'],
      endpoint: { type: 'http', url: 'https://b.example.com/' },
    },
  ],
};
const { routes } = parseBridgeConfig(input);

describe('routesTouched', () => {
  test('maps completion keys of a stream batch to their routes, once each, in config order', () => {
    const keys = [
      partitionKey('payments', 'refunds', 3),
      partitionKey('orders', 'orders', 0),
      partitionKey('payments', 'payments', 1),
    ];
    assert.deepEqual(
      routesTouched(routes, keys).map((r) => r.name),
      ['orders', 'payments'],
    );
  });

  test("a ledger entry's key (what a deliverer batch writes) commits its route", () => {
    assert.deepEqual(
      routesTouched(routes, [entriesPartitionKey('payments')]).map((r) => r.name),
      ['payments'],
    );
    assert.deepEqual(
      routesTouched(routes, [entriesPartitionKey('orders'), partitionKey('payments', 'refunds', 0)]).map(
        (r) => r.name,
      ),
      ['orders', 'payments'],
    );
    assert.deepEqual(routesTouched(routes, [entriesPartitionKey('gone')]), []);
  });

  test('ignores lease and quarantine items and routes this deployment does not know', () => {
    const keys = ['lease#orders', 'quarantine#orders', partitionKey('gone', 'orders', 0)];
    assert.deepEqual(routesTouched(routes, keys), []);
  });
});

describe('routesOfStreamEvent', () => {
  test("a stream INSERT of a deliverer's ledger entry commits that route", () => {
    const event = {
      Records: [
        {
          eventName: 'INSERT' as const,
          eventSource: 'aws:dynamodb',
          dynamodb: {
            Keys: { pk: { S: entriesPartitionKey('orders') }, sk: { S: '1765090000000#a1' } },
            NewImage: { pk: { S: entriesPartitionKey('orders') }, records: { S: 'orders\t0\t0\t0\td\t1' } },
          },
        },
        { eventName: 'INSERT' as const, dynamodb: { Keys: { pk: { S: 'lease#payments' } } } },
      ],
    };
    assert.deepEqual(
      routesOfStreamEvent(routes, event).map((r) => r.name),
      ['orders'],
    );
  });
});

describe('largestRouteLag', () => {
  const partition = (lag: bigint): PartitionCommit => ({
    topic: 't',
    partition: 0,
    before: 0n,
    after: 0n,
    logEnd: lag,
    lag,
    waitingBehindHole: 0,
  });

  test("the largest sum over a route's partitions, not the largest partition", () => {
    assert.equal(
      largestRouteLag([
        { route: 'a', status: 'committed', partitions: [partition(7n), partition(6n)] },
        { route: 'b', status: 'committed', partitions: [partition(10n)] },
        { route: 'c', status: 'busy' },
      ]),
      13n,
    );
  });

  test('undefined when the run committed no route (busy routes say nothing about lag)', () => {
    assert.equal(largestRouteLag([{ route: 'c', status: 'busy' }]), undefined);
    assert.equal(largestRouteLag([]), undefined);
  });
});

describe('parsePartitionKey', () => {
  test('round-trips route, topic and partition', () => {
    assert.deepEqual(parsePartitionKey(partitionKey('orders', 'orders.v2', 12)), {
      route: 'orders',
      topic: 'orders.v2',
      partition: 12,
    });
  });

  test('rejects keys that are not a partition key', () => {
    for (const key of ['lease#orders', 'a#b#c#d', 'a#b#01', 'a#b#-1', '#t#0']) {
      assert.equal(parsePartitionKey(key), undefined, key);
    }
  });
});

describe('bridgeConfigFromEnv', () => {
  test('parses and validates the config the stack passes in BRIDGE_CONFIG_JSON', () => {
    const config = bridgeConfigFromEnv({ BRIDGE_CONFIG_JSON: JSON.stringify(input) });
    assert.deepEqual(
      config.routes.map((r) => r.name),
      ['orders', 'payments'],
    );
  });

  test('names the variable when it is missing or not JSON, and the field when the config is invalid', () => {
    assert.throws(() => bridgeConfigFromEnv({}), /BRIDGE_CONFIG_JSON is not set/);
    assert.throws(
      () => bridgeConfigFromEnv({ BRIDGE_CONFIG_JSON: '{' }),
      /BRIDGE_CONFIG_JSON is not valid JSON/,
    );
    const bad = { ...input, routes: [{ ...input.routes[0], maxInFlight: 0 }] };
    assert.throws(
      () => bridgeConfigFromEnv({ BRIDGE_CONFIG_JSON: JSON.stringify(bad) }),
      /routes\[orders\]\.maxInFlight/,
    );
  });
});

describe('routeFromEnv', () => {
  const config = parseBridgeConfig(input);

  test('finds the route named by ROUTE_NAME', () => {
    assert.equal(routeFromEnv(config, { ROUTE_NAME: 'payments' }).name, 'payments');
  });

  test('names the missing variable, or the unknown route and the known ones', () => {
    assert.throws(() => routeFromEnv(config, {}), /ROUTE_NAME is not set/);
    assert.throws(
      () => routeFromEnv(config, { ROUTE_NAME: 'refunds' }),
      /ROUTE_NAME refunds is not a route of BRIDGE_CONFIG_JSON \(routes: orders, payments\)/,
    );
  });
});
