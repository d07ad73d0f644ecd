import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { assertRejected, config, type ExpectedIssue, type Raw, route } from './support.ts';

interface Case extends ExpectedIssue {
  readonly rule: string;
  readonly input: Raw;
}

/** One rejected route setting per case: the config holds exactly that one problem. */
const rejected: Case[] = [
  // limits that come from SQS
  {
    rule: 'retry.attempts must fit maxReceiveCount with the crash margin',
    input: config([route({ retry: { attempts: 996 } })]),
    route: 'orders',
    field: 'routes[orders].retry.attempts',
    message: /at most 995: SQS hands a message out at most 1000 times.*onPoison: 'block'/,
  },
  {
    rule: 'rateLimit.perSecond must be at most what one FIFO queue takes',
    input: config([route({ rateLimit: { perSecond: 1e308 } })]),
    route: 'orders',
    field: 'routes[orders].rateLimit.perSecond',
    message: /at most 700000.*leave rateLimit out/,
  },
  {
    rule: 'endpoint url must not use port 0',
    input: config([route({ endpoint: { type: 'http', url: 'https://orders.example.com:0/kafka' } })]),
    route: 'orders',
    field: 'routes[orders].endpoint.url',
    message: /port 0/,
  },
  // name
  {
    rule: 'name must be kebab-case (no capitals), and the message says why',
    input: config([route({ name: 'Orders' })]),
    route: 'Orders',
    field: 'routes[Orders].name',
    message: /kebab-case.*AWS resource names.*Kafka group ids/,
  },
  {
    rule: 'name must not hold a double hyphen',
    input: config([route({ name: 'orders--eu' })]),
    route: 'orders--eu',
    field: 'routes[orders--eu].name',
    message: /kebab-case/,
  },
  {
    rule: 'name must not end in a hyphen',
    input: config([route({ name: 'orders-' })]),
    route: 'orders-',
    field: 'routes[orders-].name',
    message: /kebab-case/,
  },
  {
    rule: 'name must start with a letter',
    input: config([route({ name: '1-orders' })]),
    route: '1-orders',
    field: 'routes[1-orders].name',
    message: /starting with a letter/,
  },
  {
    rule: 'name must be at most 40 characters',
    input: config([route({ name: 'a'.repeat(41) })]),
    route: 'a'.repeat(41),
    field: `routes[${'a'.repeat(41)}].name`,
    message: /1-40 characters/,
  },
  {
    rule: 'name must not be empty (the route is then named by its index)',
    input: config([route({ name: '' })]),
    field: 'routes[0].name',
    message: /kebab-case/,
  },
  {
    rule: 'name is required (the route is then named by its index)',
    input: config([
      { topics: ['orders'], endpoint: { type: 'http', url: 'https://orders.example.com/kafka' } },
    ]),
    field: 'routes[0].name',
    message: /is required/,
  },
  {
    rule: 'route names are unique',
    input: config([route(), route({ topics: ['payments'] })]),
    route: 'orders',
    field: 'routes[orders].name',
    message: /also the name of routes\[0\].*unique/,
  },
  // topics
  {
    rule: 'topics must list at least one topic',
    input: config([route({ topics: [] })]),
    route: 'orders',
    field: 'routes[orders].topics',
    message: /at least one Kafka topic/,
  },
  {
    rule: 'topics are required',
    input: config([{ name: 'orders', endpoint: { type: 'http', url: 'https://orders.example.com/kafka' } }]),
    route: 'orders',
    field: 'routes[orders].topics',
    message: /is required/,
  },
  {
    rule: 'a topic name holds only letters, digits, ".", "_" and "-"',
    input: config([route({ topics: ['orders', 'orders/eu'] })]),
    route: 'orders',
    field: 'routes[orders].topics[1]',
    message: /Kafka topic name/,
  },
  {
    rule: 'a topic name is not ".."',
    input: config([route({ topics: ['..'] })]),
    route: 'orders',
    field: 'routes[orders].topics[0]',
    message: /not '\.' or '\.\.'/,
  },
  {
    rule: 'a topic name is at most 249 characters',
    input: config([route({ topics: ['t'.repeat(250)] })]),
    route: 'orders',
    field: 'routes[orders].topics[0]',
    message: /1-249 characters/,
  },
  {
    rule: 'a route lists a topic once',
    input: config([route({ topics: ['orders', 'refunds', 'orders'] })]),
    route: 'orders',
    field: 'routes[orders].topics[2]',
    message: /twice/,
  },
  {
    rule: "topics differing only by '.' and '_' cannot both exist in Kafka",
    input: config([route({ topics: ['shop.orders'] }), route({ name: 'audit', topics: ['shop_orders'] })]),
    route: 'audit',
    field: 'routes[audit].topics[0]',
    message: /shop_orders collides with topic shop\.orders of route orders/,
  },
  // ordering, in-flight bound
  {
    rule: "ordering is 'key', 'partition' or 'none'",
    input: config([route({ ordering: 'global' })]),
    route: 'orders',
    field: 'routes[orders].ordering',
  },
  {
    rule: 'maxInFlight is at least 1',
    input: config([route({ maxInFlight: 0 })]),
    route: 'orders',
    field: 'routes[orders].maxInFlight',
  },
  {
    rule: 'maxInFlight is an integer',
    input: config([route({ maxInFlight: 10.5 })]),
    route: 'orders',
    field: 'routes[orders].maxInFlight',
  },
  {
    rule: 'maxInFlight alone stays at most 100000 (the SQS FIFO look-ahead)',
    input: config([route({ maxInFlight: 100_001 })]),
    route: 'orders',
    field: 'routes[orders].maxInFlight',
    message: /at most 100000.*first 120000 messages/,
  },
  {
    rule: 'partitions x maxInFlight stays at most 100000 when partitions is known',
    input: config([route({ partitions: 48, maxInFlight: 2500 })]),
    route: 'orders',
    field: 'routes[orders].maxInFlight',
    message: /partitions \(48\) x maxInFlight \(2500\) = 120000 must stay at most 100000/,
  },
  {
    rule: 'partitions is at least 1',
    input: config([route({ partitions: 0 })]),
    route: 'orders',
    field: 'routes[orders].partitions',
  },
  // rate limit
  {
    rule: 'rateLimit.perSecond is above 0',
    input: config([route({ rateLimit: { perSecond: 0 } })]),
    route: 'orders',
    field: 'routes[orders].rateLimit.perSecond',
  },
  {
    rule: 'rateLimit.burst is at least 1',
    input: config([route({ rateLimit: { perSecond: 5, burst: 0 } })]),
    route: 'orders',
    field: 'routes[orders].rateLimit.burst',
  },
  // retry
  {
    rule: 'retry.attempts is at least 1',
    input: config([route({ retry: { attempts: 0 } })]),
    route: 'orders',
    field: 'routes[orders].retry.attempts',
  },
  {
    rule: 'retry.inProcessAttempts is at most retry.attempts',
    input: config([route({ retry: { attempts: 2, inProcessAttempts: 3 } })]),
    route: 'orders',
    field: 'routes[orders].retry.inProcessAttempts',
    message: /at most retry\.attempts \(2\)/,
  },
  {
    rule: 'retry.maxMs is at most 12 hours (the SQS visibility timeout limit)',
    input: config([route({ retry: { maxMs: 12 * 3_600_000 + 1 } })]),
    route: 'orders',
    field: 'routes[orders].retry.maxMs',
    message: /12 hours.*visibility/,
  },
  {
    rule: 'retry.baseMs is at most retry.maxMs',
    input: config([route({ retry: { baseMs: 5000, maxMs: 1000 } })]),
    route: 'orders',
    field: 'routes[orders].retry.baseMs',
    message: /at most retry\.maxMs \(1000\)/,
  },
  {
    rule: "retry.jitter is 'full' or 'none'",
    input: config([route({ retry: { jitter: 'equal' } })]),
    route: 'orders',
    field: 'routes[orders].retry.jitter',
  },
  // responses
  {
    rule: 'a response status is a code from 100 to 599',
    input: config([route({ responses: { retryable: [503, 600] } })]),
    route: 'orders',
    field: 'routes[orders].responses.retryable[1]',
    message: /status code \(100-599\) or a class such as '5xx'/,
  },
  {
    rule: "a response class is one of '1xx'..'5xx', lowercase",
    input: config([route({ responses: { success: ['2XX'] } })]),
    route: 'orders',
    field: 'routes[orders].responses.success[0]',
    message: /status code \(100-599\) or a class/,
  },
  {
    rule: 'responses.success lists at least one status',
    input: config([route({ responses: { success: [] } })]),
    route: 'orders',
    field: 'routes[orders].responses.success',
    message: /at least one status/,
  },
  {
    rule: 'a status is not both success and retryable',
    input: config([route({ responses: { success: ['2xx', 409], retryable: ['4xx'] } })]),
    route: 'orders',
    field: 'routes[orders].responses.retryable',
    message: /overlaps responses\.success on 409/,
  },
  // dead letters, schema, start, concurrency
  {
    rule: "onPoison is 'quarantine', 'dlq' or 'block'",
    input: config([route({ onPoison: 'drop' })]),
    route: 'orders',
    field: 'routes[orders].onPoison',
  },
  {
    rule: 'schema is a JSON Schema object, not an array',
    input: config([route({ schema: [] })]),
    route: 'orders',
    field: 'routes[orders].schema',
    message: /JSON Schema object/,
  },
  {
    rule: 'schema is a JSON Schema object, not a string',
    input: config([route({ schema: '{"type":"object"}' })]),
    route: 'orders',
    field: 'routes[orders].schema',
    message: /JSON Schema object/,
  },
  {
    rule: 'a schema pattern the linear-time regex engine (RE2) cannot run is rejected at synth',
    input: config([
      route({ schema: { type: 'object', properties: { id: { type: 'string', pattern: '^(\\w)\\1$' } } } }),
    ]),
    route: 'orders',
    field: 'routes[orders].schema',
    message: /pattern "\^\(\\\\w\)\\\\1\$" is not supported by the linear-time regex engine/,
  },
  {
    rule: "startFrom is 'earliest' or 'latest'",
    input: config([route({ startFrom: 'now' })]),
    route: 'orders',
    field: 'routes[orders].startFrom',
  },
  {
    rule: 'concurrency is at least 2 (SQS event source range)',
    input: config([route({ concurrency: 1 })]),
    route: 'orders',
    field: 'routes[orders].concurrency',
    message: /2-1000/,
  },
  {
    rule: 'concurrency is at most 1000 (SQS event source range)',
    input: config([route({ concurrency: 1001 })]),
    route: 'orders',
    field: 'routes[orders].concurrency',
    message: /2-1000/,
  },
  // breaker, alerts
  {
    rule: 'breaker.failureRatio is above 0',
    input: config([route({ breaker: { failureRatio: 0 } })]),
    route: 'orders',
    field: 'routes[orders].breaker.failureRatio',
  },
  {
    rule: 'breaker.failureRatio is at most 1',
    input: config([route({ breaker: { failureRatio: 1.5 } })]),
    route: 'orders',
    field: 'routes[orders].breaker.failureRatio',
  },
  {
    rule: 'breaker.minCalls is at least 1',
    input: config([route({ breaker: { minCalls: 0 } })]),
    route: 'orders',
    field: 'routes[orders].breaker.minCalls',
  },
  {
    rule: 'breaker.windowMs is at least 1',
    input: config([route({ breaker: { windowMs: 0 } })]),
    route: 'orders',
    field: 'routes[orders].breaker.windowMs',
  },
  {
    rule: 'breaker.cooldownMs is at most 12 hours',
    input: config([route({ breaker: { cooldownMs: 12 * 3_600_000 + 1 } })]),
    route: 'orders',
    field: 'routes[orders].breaker.cooldownMs',
    message: /12 hours/,
  },
  {
    rule: 'alerts.discordWebhookSecret is a secret name or ARN',
    input: config([route({ alerts: { discordWebhookSecret: 'https://discord.com/api/webhooks/1/x' } })]),
    route: 'orders',
    field: 'routes[orders].alerts.discordWebhookSecret',
    message: /Secrets Manager secret name/,
  },
  {
    rule: 'alerts.oncall is not empty',
    input: config([route({ alerts: { oncall: '' } })]),
    route: 'orders',
    field: 'routes[orders].alerts.oncall',
  },
  // group ids
  {
    rule: 'groupPrefix holds only letters, digits, ".", "_" and "-"',
    input: config([route({ groupPrefix: 'team a/' })]),
    route: 'orders',
    field: 'routes[orders].groupPrefix',
  },
  {
    rule: 'two routes cannot derive the same Kafka group id',
    input: config([
      route({ name: 'b-orders', groupPrefix: 'a-' }),
      route({ name: 'orders', groupPrefix: 'a-b-', topics: ['refunds'] }),
    ]),
    route: 'orders',
    field: 'routes[orders].name',
    message: /progress group a-b-orders is also the progress group of route b-orders/,
  },
  {
    rule: "a route's progress group cannot be another route's membership group",
    input: config([
      route({ name: 'pollers', groupPrefix: 'shop.' }),
      route({ name: 'shop', topics: ['refunds'] }),
    ]),
    route: 'shop',
    field: 'routes[shop].name',
    message: /membership group shop\.pollers is also the progress group of route pollers/,
  },
  {
    rule: "a route's queue cannot be another route's dead-letter queue (orders-dlq vs orders)",
    input: config([route({ name: 'orders' }), route({ name: 'orders-dlq', topics: ['refunds'] })]),
    route: 'orders-dlq',
    field: 'routes[orders-dlq].name',
    message: /queue orders-dlq\.fifo is also the dead-letter queue of route orders: change the name$/,
  },
  {
    rule: "a route's dead-letter queue cannot be another route's queue, whichever comes first",
    input: config([route({ name: 'orders-dlq', topics: ['refunds'] }), route({ name: 'orders' })]),
    route: 'orders',
    field: 'routes[orders].name',
    message: /dead-letter queue orders-dlq\.fifo is also the queue of route orders-dlq/,
  },
  {
    rule: "a route's queue cannot be another route's redrive queue",
    input: config([route({ name: 'orders' }), route({ name: 'orders-redrive', topics: ['refunds'] })]),
    route: 'orders-redrive',
    field: 'routes[orders-redrive].name',
    message: /queue orders-redrive\.fifo is also the redrive queue of route orders/,
  },
  // typos
  {
    rule: 'an unknown route key is rejected (typo)',
    input: config([route({ maxInflight: 10 })]),
    route: 'orders',
    field: 'routes[orders].maxInflight',
    message: /not a known setting/,
  },
  {
    rule: 'an unknown key in a nested setting is rejected (typo)',
    input: config([route({ retry: { atempts: 3 } })]),
    route: 'orders',
    field: 'routes[orders].retry.atempts',
    message: /not a known setting/,
  },
  {
    rule: 'a route that is not an object is named by its index',
    input: config([route(), 'payments' as unknown as Raw]),
    field: 'routes[1]',
    message: /must be an object, got the string "payments"/,
  },
];

describe('route rules', () => {
  for (const { rule, input, ...expected } of rejected) {
    test(rule, () => {
      assertRejected(input, expected);
    });
  }
});

describe('route values at the edge of the rules are accepted', () => {
  test('a 40-character name and a one-letter name', () => {
    const long = 'a'.repeat(40);
    const parsed = parseBridgeConfig(config([route({ name: long }), route({ name: 'b', topics: ['b'] })]));
    assert.deepEqual(
      parsed.routes.map((r) => r.name),
      [long, 'b'],
    );
  });

  test('a 249-character topic and several topics per route', () => {
    const long = 't'.repeat(249);
    const parsed = parseBridgeConfig(
      config([route({ topics: [long, 'orders.eu', 'orders_us', 'orders-apac'] })]),
    );
    assert.deepEqual(parsed.routes[0]?.topics, [long, 'orders.eu', 'orders_us', 'orders-apac']);
  });

  test('fan-out: several routes on one topic', () => {
    const parsed = parseBridgeConfig(config([route(), route({ name: 'audit' })]));
    assert.deepEqual(
      parsed.routes.map((r) => [r.name, r.topics]),
      [
        ['orders', ['orders']],
        ['audit', ['orders']],
      ],
    );
  });

  test('partitions x maxInFlight of exactly 100000', () => {
    const parsed = parseBridgeConfig(config([route({ partitions: 100, maxInFlight: 1000 })]));
    assert.equal(parsed.routes[0]?.partitions, 100);
  });

  test('retry.maxMs of exactly 12 hours and inProcessAttempts equal to attempts', () => {
    const parsed = parseBridgeConfig(
      config([route({ retry: { attempts: 3, inProcessAttempts: 3, maxMs: 12 * 3_600_000 } })]),
    );
    assert.equal(parsed.routes[0]?.retry.maxMs, 43_200_000);
  });

  test('concurrency at both ends of 2..1000', () => {
    const parsed = parseBridgeConfig(
      config([route({ concurrency: 2 }), route({ name: 'audit', concurrency: 1000 })]),
    );
    assert.deepEqual(
      parsed.routes.map((r) => r.concurrency),
      [2, 1000],
    );
  });

  test('a success status outside 2xx (409 Conflict counted as delivered)', () => {
    const parsed = parseBridgeConfig(config([route({ responses: { success: ['2xx', 409] } })]));
    assert.deepEqual(parsed.routes[0]?.responses, { success: ['2xx', 409], retryable: [408, 429, '5xx'] });
  });

  test('a JSON Schema object is kept as given', () => {
    const schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
    const parsed = parseBridgeConfig(config([route({ schema })]));
    assert.deepEqual(parsed.routes[0]?.schema, schema);
  });

  test('a rate limit with a fractional rate', () => {
    const parsed = parseBridgeConfig(config([route({ rateLimit: { perSecond: 0.5 } })]));
    assert.deepEqual(parsed.routes[0]?.rateLimit, { perSecond: 0.5, burst: 1 });
  });
});

describe('route.schema', () => {
  test('a schema that does not compile is rejected at parse time, naming the route and field', () => {
    const issue = assertRejected(config([route({ schema: { type: 'not-a-type' } })]), {
      route: 'orders',
      field: 'routes[orders].schema',
    });
    assert.match(issue.message, /^is not a valid JSON Schema/);
  });
});
