// The deliverer (lib/deliver) end to end: the real handler run by the local event source
// runner against ElasticMQ (SQS FIFO), moto (S3, DynamoDB, Secrets Manager) and a real local
// HTTP endpoint. Backoffs are short through the route config, so the suite stays fast.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Message, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { ArchiveRecord } from '../../lib/archive/archive.ts';
import type { Completion } from '../../lib/completion/completion.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { parseBridgeConfig, type Route, type RouteInput } from '../../lib/config/index.ts';
import { type DeliverMetrics, METRICS, type MetricName } from '../../lib/deliver/observability.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../lib/deliver/signature.ts';
import {
  deduplicationId,
  type Envelope,
  encodeEnvelope,
  messageGroupId,
  recordId,
} from '../../lib/envelope/index.ts';
import type { LocalEventSource } from '../../lib/local/event-source.ts';
import { QuarantineStore } from '../../lib/quarantine/quarantine.ts';
import {
  assertReachable,
  awsEndpoint,
  dynamoClient,
  type FifoQueue,
  lambdaClient,
  s3Client,
  secretsClient,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';
import { finishedInState, ledgerCompletion } from '../support/completions.ts';
import { deliverRoute } from '../support/deliver.ts';
import { type Script, TestEndpoint } from '../support/endpoint.ts';
import { eventually } from '../support/wait.ts';

let sqs: SQSClient;
let s3: S3Client;
let dynamo: DynamoDBClient;
let secrets: SecretsManagerClient;
let bucket: string;
let table: string;
const TOPIC = 'orders';

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  sqs = sqsClient();
  s3 = s3Client();
  dynamo = dynamoClient();
  secrets = secretsClient();
  bucket = uniqueName('deliver');
  table = uniqueName('completions');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await dynamo.send(new CreateTableCommand(completionTableDefinition(table)));
});

after(() => {
  sqs.destroy();
  s3.destroy();
  dynamo.destroy();
  secrets.destroy();
});

class CollectedMetrics implements DeliverMetrics {
  readonly counts = new Map<MetricName, number>();
  readonly durations: number[] = [];
  count(name: MetricName, value: number): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  duration(_name: MetricName, ms: number): void {
    this.durations.push(ms);
  }
  get(name: MetricName): number {
    return this.counts.get(name) ?? 0;
  }
}

/** One route with its own queues, endpoint and runner. */
interface Harness {
  readonly route: Route;
  readonly queue: FifoQueue;
  readonly dlq: FifoQueue;
  readonly endpoint: TestEndpoint;
  readonly metrics: CollectedMetrics;
  readonly runner: LocalEventSource;
  readonly completions: CompletionStore;
  readonly errors: unknown[];
  /** What the deliverer logged, in order. */
  readonly logs: { level: string; message: string; attributes: Record<string, unknown> }[];
  send(
    key: string | null,
    offset: number,
    options?: { partition?: number; value?: Envelope['value']; headers?: Envelope['headers'] },
  ): Promise<Envelope>;
  stop(): Promise<void>;
}

/** Endpoint settings besides the URL, which is the test endpoint's. */
interface EndpointExtra {
  readonly timeoutMs?: number;
  readonly signingSecret?: string;
  readonly signing?: 'bridge-v2' | 'standard-webhooks';
  readonly signingV1?: boolean;
  readonly headersSecret?: string;
  readonly body?: 'envelope' | 'raw';
}

async function harness(
  script: Script,
  overrides: Partial<RouteInput> = {},
  endpointExtra: EndpointExtra = {},
): Promise<Harness> {
  const endpoint = await TestEndpoint.start(script);
  const name = uniqueName('r');
  const config = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      {
        name,
        topics: [TOPIC],
        endpoint: { type: 'http', url: endpoint.url, timeoutMs: 2_000, ...endpointExtra },
        retry: { attempts: 6, inProcessAttempts: 2, baseMs: 50, maxMs: 1_000, jitter: 'none' },
        ...overrides,
      },
    ],
  });
  const route = config.routes[0];
  assert.ok(route);
  const metrics = new CollectedMetrics();
  const logs: Harness['logs'] = [];
  const { queue, dlq, runner, errors } = await deliverRoute(name, {
    route,
    bucket,
    completionTable: table,
    clients: { sqs, s3, dynamo, secrets, lambda: lambdaClient() },
    metrics,
    logger: {
      info: (message, attributes) => logs.push({ level: 'info', message, attributes }),
      warn: (message, attributes) => logs.push({ level: 'warn', message, attributes }),
      error: (message, attributes) => logs.push({ level: 'error', message, attributes }),
    },
  });
  return {
    route,
    queue,
    dlq,
    endpoint,
    metrics,
    runner,
    completions: new CompletionStore({ client: dynamo, tableName: table }),
    errors,
    logs,
    async send(key, offset, options = {}) {
      const envelope: Envelope = {
        route: name,
        topic: TOPIC,
        partition: options.partition ?? 0,
        offset: String(offset),
        from: String(offset),
        timestamp: String(Date.now()),
        key: key === null ? null : Buffer.from(key),
        headers: options.headers ?? [],
        value:
          options.value === undefined ? { inline: Buffer.from(`value ${key}/${offset}`) } : options.value,
      };
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: encodeEnvelope(envelope),
          MessageGroupId: messageGroupId({
            key: envelope.key,
            partition: envelope.partition,
            offset: envelope.offset,
            ordering: 'key',
          }),
          MessageDeduplicationId: deduplicationId(envelope),
        }),
      );
      return envelope;
    },
    async stop() {
      await runner.stop();
      await endpoint.stop().catch(() => undefined);
    },
  };
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000) =>
  eventually(what, probe, { timeoutMs, intervalMs: 100 });

function completionOf(h: Harness, offset: number, partition = 0): Promise<Completion | undefined> {
  return ledgerCompletion(h.completions, h.route.name, TOPIC, partition, BigInt(offset));
}

function waitForCompletion(h: Harness, offset: number, timeoutMs?: number): Promise<Completion> {
  return waitFor(`completion of offset ${offset}`, () => completionOf(h, offset), timeoutMs);
}

async function receiveAll(queueUrl: string, expected: number): Promise<Message[]> {
  const found: Message[] = [];
  const end = Date.now() + 10_000;
  while (found.length < expected && Date.now() < end) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    found.push(...(out.Messages ?? []));
  }
  return found;
}

async function archiveOf(key: string): Promise<ArchiveRecord> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await (out.Body?.transformToString() ?? Promise.resolve('null'))) as ArchiveRecord;
}

function archiveKey(h: Harness, offset: number): string {
  return `archive/${h.route.name}/${TOPIC}/0/${String(offset).padStart(19, '0')}.json`;
}

describe('deliver', () => {
  test('a 2xx answer completes the record, with the idempotency key and the envelope body', async () => {
    // Prepare
    const h = await harness(() => ({ status: 204 }));
    const sent = await h.send('k1', 7);
    // Act
    h.runner.start();
    const completion = await waitForCompletion(h, 7);
    await h.stop();
    // Assess
    assert.equal(completion.status, 'delivered');
    assert.equal(completion.attempts, 1);
    assert.equal(h.endpoint.received.length, 1);
    const request = h.endpoint.received[0];
    assert.ok(request);
    assert.equal(request.recordId, recordId(sent));
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.body.toString(), encodeEnvelope(sent));
    assert.equal(h.metrics.get(METRICS.success), 1);
    assert.equal(h.metrics.durations.length, 1);
    assert.deepEqual(h.errors, []);
  });

  test('records already completed are skipped (one read for the batch), also a second copy within the batch', async () => {
    // Prepare: records 1 and 3 finished earlier and the commit merged them into the route's
    // ledger state (a redelivery after a crash); record 2 is in the queue twice, as after a
    // poller restart past SQS's deduplication window.
    const h = await harness(() => ({ status: 200 }));
    await finishedInState(h.completions, { route: h.route.name, topic: TOPIC }, [1n, 3n]);
    const sent: Envelope[] = [];
    for (const offset of [0, 1, 2]) sent.push(await h.send('k', offset));
    const again = sent[2];
    assert.ok(again);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: h.queue.url,
        MessageBody: encodeEnvelope(again),
        MessageGroupId: 'k',
        MessageDeduplicationId: `${deduplicationId(again)}-again`,
      }),
    );
    await h.send('k', 3);
    await h.send('k', 4);
    // Act
    h.runner.start();
    await waitForCompletion(h, 4);
    await h.stop();
    // Assess: one call each for 0, 2 and 4; 1, 3 and the copy of 2 skipped
    assert.deepEqual(
      h.endpoint.received.map((r) => r.recordId),
      [0, 2, 4].map((offset) => `${h.route.name}/${TOPIC}/0/${offset}`),
    );
    assert.equal(h.metrics.get(METRICS.duplicate), 3);
    assert.deepEqual(h.errors, []);
  });

  test('500 then 200 completes after a retry', async () => {
    // Prepare
    const h = await harness((request) => (request.nth === 1 ? { status: 500 } : { status: 200 }));
    await h.send('k1', 0);
    // Act
    h.runner.start();
    const completion = await waitForCompletion(h, 0);
    await h.stop();
    // Assess
    assert.equal(completion.status, 'delivered');
    assert.equal(completion.attempts, 2);
    assert.deepEqual(
      h.endpoint.received.map((r) => r.nth),
      [1, 2],
    );
    assert.equal(h.metrics.get(METRICS.failure), 1);
  });

  test('a 400 dead-letters at once: archive with the answer, DLQ message, completion', async () => {
    // Prepare
    const h = await harness(() => ({ status: 400, body: '{"error":"bad order"}' }));
    const sent = await h.send('k1', 3);
    // Act
    h.runner.start();
    const completion = await waitForCompletion(h, 3);
    await h.stop();
    // Assess
    assert.equal(completion.status, 'dead-lettered');
    assert.equal(h.endpoint.received.length, 1);
    const [dead] = await receiveAll(h.dlq.url, 1);
    assert.ok(dead);
    assert.equal(dead.Body, encodeEnvelope(sent));
    assert.equal(dead.MessageAttributes?.['bridge-record-id']?.StringValue, recordId(sent));
    assert.match(dead.MessageAttributes?.['bridge-reason']?.StringValue ?? '', /answered 400/);
    const archive = await archiveOf(archiveKey(h, 3));
    assert.equal(archive.outcome, 'dead-lettered');
    assert.equal(archive.attempts.length, 1);
    assert.equal(archive.attempts[0]?.status, 400);
    assert.equal(archive.attempts[0]?.excerpt, '{"error":"bad order"}');
    assert.equal(archive.payloadBase64, Buffer.from('value k1/3').toString('base64'));
    assert.equal(h.metrics.get(METRICS.deadLettered), 1);
  });
});

describe('deliver: route JSON Schema', () => {
  test('a value that breaks the schema is dead-lettered at once with the rule it broke; a valid one is delivered', async () => {
    // Prepare
    const h = await harness(() => ({ status: 200 }), {
      schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } },
    });
    await h.send('k1', 0, { value: { inline: Buffer.from('{"amount":"ten"}') } });
    await h.send('k2', 1, { value: { inline: Buffer.from('{"amount":10}') } });
    // Act
    h.runner.start();
    const invalid = await waitForCompletion(h, 0);
    const valid = await waitForCompletion(h, 1);
    await h.stop();
    // Assess
    assert.equal(invalid.status, 'dead-lettered');
    assert.equal(invalid.attempts, 0, 'no call is made for a record the schema rejects');
    assert.equal(valid.status, 'delivered');
    assert.equal(h.endpoint.received.length, 1);
    const [dead] = await receiveAll(h.dlq.url, 1);
    assert.equal(dead?.MessageAttributes?.['bridge-reason']?.StringValue, 'schema: /amount must be number');
    const archive = await archiveOf(archiveKey(h, 0));
    assert.equal(archive.outcome, 'dead-lettered');
  });
});

describe('deliver: retryable failures', () => {
  test('a timeout is retried', async () => {
    // Prepare: the first answer comes long after the route's 300 ms timeout.
    const h = await harness(
      (request) => (request.nth === 1 ? { status: 200, delayMs: 2_000 } : { status: 200 }),
      {},
      { timeoutMs: 300 },
    );
    await h.send('k1', 0);
    // Act
    h.runner.start();
    const completion = await waitForCompletion(h, 0);
    await h.stop();
    // Assess
    assert.equal(completion.status, 'delivered');
    assert.equal(completion.attempts, 2);
    assert.equal(h.endpoint.received.length, 2);
  });

  test('connection refused is retried until the endpoint is back', async () => {
    // Prepare: the endpoint is down when the record arrives.
    const h = await harness(() => ({ status: 200 }), {
      retry: { attempts: 50, inProcessAttempts: 2, baseMs: 100, maxMs: 1_000, jitter: 'none' },
    });
    await h.endpoint.stop();
    await h.send('k1', 0);
    // Act
    h.runner.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const before = await completionOf(h, 0);
    await h.endpoint.restart();
    const completion = await waitForCompletion(h, 0);
    await h.stop();
    // Assess
    assert.equal(before, undefined);
    assert.equal(completion.status, 'delivered');
    assert.ok(completion.attempts >= 2, `attempts ${completion.attempts}`);
    assert.ok(h.metrics.get(METRICS.failure) >= 1);
    assert.equal(h.endpoint.received.length, 1);
  });

  test('429 with Retry-After waits as told', async () => {
    // Prepare: backoff 50 ms, but the endpoint asks for 2 s.
    const h = await harness((request) =>
      request.nth === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 },
    );
    await h.send('k1', 0);
    // Act
    h.runner.start();
    const completion = await waitForCompletion(h, 0);
    await h.stop();
    // Assess
    assert.equal(completion.status, 'delivered');
    const [first, second] = h.endpoint.received;
    assert.ok(first && second);
    const waited = second.at - first.at;
    assert.ok(waited >= 1_950, `waited ${waited} ms`);
    assert.ok(waited < 4_000, `waited ${waited} ms`);
  });
});

describe('deliver: order per key', () => {
  test('a failing A holds back later As while all Bs complete', async () => {
    // Prepare: A's first record fails twice; every record is in the queue before the runner starts,
    // so one batch holds A0, A1, A2 and B0, B1, B2.
    const h = await harness(
      (request) =>
        request.key === 'A' && request.offset === '0' && request.nth <= 2 ? { status: 503 } : { status: 200 },
      { retry: { attempts: 10, inProcessAttempts: 1, baseMs: 200, maxMs: 1_000, jitter: 'none' } },
    );
    for (let offset = 0; offset < 6; offset++) await h.send(offset % 2 === 0 ? 'A' : 'B', offset);
    // Act
    h.runner.start();
    for (let offset = 0; offset < 6; offset++) await waitForCompletion(h, offset);
    await h.stop();
    // Assess: A's records reached the endpoint in order, later ones only after A0 succeeded.
    const a = h.endpoint.requestsOf('A');
    assert.deepEqual(
      a.map((r) => r.offset),
      ['0', '0', '0', '2', '4'],
    );
    const aDelivered = a[2]?.at ?? 0;
    const b = h.endpoint.requestsOf('B');
    assert.deepEqual(
      b.map((r) => r.offset),
      ['1', '3', '5'],
    );
    // B did not wait for A.
    assert.ok((b[2]?.at ?? Infinity) < aDelivered, 'B finished before A0 was delivered');
    assert.ok(h.metrics.get(METRICS.skipped) >= 2, `skipped ${h.metrics.get(METRICS.skipped)}`);
    for (let offset = 0; offset < 6; offset++)
      assert.equal((await completionOf(h, offset))?.status, 'delivered');
  });
});

describe('deliver: giving up', () => {
  test('after the attempts are spent the record is in the DLQ and the archive, and completed', async () => {
    // Prepare: 3 attempts, 2 per receive: the second receive makes the last one.
    const h = await harness(() => ({ status: 502, body: 'bad gateway' }), {
      onPoison: 'dlq',
      retry: { attempts: 3, inProcessAttempts: 2, baseMs: 50, maxMs: 1_000, jitter: 'none' },
    });
    const sent = await h.send('k1', 0);
    await h.send('k1', 1);
    // Act
    h.runner.start();
    const completion = await waitForCompletion(h, 0);
    const next = await waitForCompletion(h, 1);
    await h.stop();
    // Assess
    assert.equal(completion.status, 'dead-lettered');
    assert.equal(completion.attempts, 3);
    assert.equal(h.endpoint.requestsOf('k1').filter((r) => r.offset === '0').length, 3);
    const dead = await receiveAll(h.dlq.url, 2);
    assert.deepEqual(
      dead.map((m) => m.MessageAttributes?.['bridge-record-id']?.StringValue),
      [recordId(sent), recordId({ ...sent, offset: '1' })],
    );
    const archive = await archiveOf(archiveKey(h, 0));
    assert.equal(archive.attemptCount, 3);
    assert.equal(archive.receiveCount, 2);
    assert.deepEqual(
      archive.attempts.map((a) => [a.receive, a.status, a.excerpt]),
      [
        [1, 502, 'bad gateway'],
        [1, 502, 'bad gateway'],
        [2, 502, 'bad gateway'],
      ],
    );
    assert.match(archive.reason, /answered 502/);
    assert.ok(archive.firstReceivedAt !== undefined && archive.archivedAt >= archive.firstReceivedAt);
    // onPoison 'dlq': the key goes on (here to its own dead letter).
    assert.equal(next.status, 'dead-lettered');
  });

  test("onPoison 'block' never gives up: no DLQ, no completion", async () => {
    // Prepare
    const h = await harness(() => ({ status: 400 }), {
      onPoison: 'block',
      retry: { attempts: 2, inProcessAttempts: 1, baseMs: 50, maxMs: 500, jitter: 'none' },
    });
    await h.send('k1', 0);
    // Act
    h.runner.start();
    await waitFor('four attempts', async () => (h.endpoint.received.length >= 4 ? true : undefined), 15_000);
    await h.stop();
    // Assess
    assert.equal(await completionOf(h, 0), undefined);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: h.dlq.url, WaitTimeSeconds: 1 }));
    assert.equal((dead.Messages ?? []).length, 0);
    assert.equal(h.metrics.get(METRICS.deadLettered), 0);
  });
});

describe('deliver: key quarantine', () => {
  test("A's record 5 dead-lettered: A's 6..9 are parked in order, B's all delivered, all completed", async () => {
    // Prepare: keys on their own partitions so offsets are per key; A5 is refused (400).
    const h = await harness((request) =>
      request.key === 'A' && request.offset === '5' ? { status: 400, body: 'no' } : { status: 200 },
    );
    for (let offset = 0; offset < 10; offset++) {
      await h.send('A', offset, { partition: 0 });
      await h.send('B', offset, { partition: 1 });
    }
    // Act
    h.runner.start();
    const a: Completion[] = [];
    const b: Completion[] = [];
    for (let offset = 0; offset < 10; offset++) {
      a.push(await waitFor(`A ${offset}`, () => completionOf(h, offset, 0)));
      b.push(await waitFor(`B ${offset}`, () => completionOf(h, offset, 1)));
    }
    await h.stop();
    // Assess
    assert.deepEqual(
      a.map((c) => c.status),
      [...Array(5).fill('delivered'), 'dead-lettered', ...Array(4).fill('parked')],
    );
    assert.deepEqual(
      b.map((c) => c.status),
      Array(10).fill('delivered'),
    );
    assert.deepEqual(
      h.endpoint.requestsOf('A').map((r) => r.offset),
      ['0', '1', '2', '3', '4', '5'],
    );
    assert.equal(h.endpoint.requestsOf('B').length, 10);
    const behind = `${h.route.name}/${TOPIC}/0/5`;
    for (let offset = 6; offset < 10; offset++) {
      const archive = await archiveOf(archiveKey(h, offset));
      assert.equal(archive.outcome, 'parked');
      assert.equal(archive.reason, `behind ${behind}`);
    }
    // Parked in offset order: each completion no earlier than the one before.
    for (let i = 6; i < 10; i++) assert.ok((a[i]?.at ?? 0) >= (a[i - 1]?.at ?? 0));
    assert.equal(h.metrics.get(METRICS.parked), 4);
  });

  test('a dead letter whose batch entry a crash lost comes back: completed again, neither called nor parked', async () => {
    // Prepare: record 3 was dead-lettered (its key quarantined behind it, its archive written),
    // then the deliverer crashed before its batch's ledger entry; its message comes back.
    const h = await harness(() => ({ status: 200 }));
    const id = `${h.route.name}/${TOPIC}/0/3`;
    await new QuarantineStore(dynamo, table).mark(h.route.name, 'A', id, Date.now());
    await h.send('A', 3);
    // Act
    h.runner.start();
    const completion = await waitForCompletion(h, 3);
    await h.stop();
    // Assess
    assert.equal(completion.status, 'dead-lettered');
    assert.equal(h.endpoint.received.length, 0, 'no call');
    assert.equal(h.metrics.get(METRICS.parked), 0, 'not parked behind itself');
  });
});

describe('deliver: calls in flight (deliver.maxCallsInFlight)', () => {
  test('groups of a batch are called concurrently, each in order, never above the option', async () => {
    // Prepare: 16 keys of 3 records; every answer takes 150 ms.
    const h = await harness(() => ({ status: 200, delayMs: 150 }), { deliver: { maxCallsInFlight: 4 } });
    const keys = Array.from({ length: 16 }, (_, i) => `k${i}`);
    let offset = 0;
    for (let round = 0; round < 3; round++) for (const key of keys) await h.send(key, offset++);
    // Act
    h.runner.start();
    for (let o = 0; o < offset; o++) await waitForCompletion(h, o);
    await h.stop();
    // Assess
    assert.ok(h.endpoint.maxInFlight <= 4, `the endpoint saw ${h.endpoint.maxInFlight} calls at once`);
    assert.ok(h.endpoint.maxInFlight >= 3, `calls overlapped: ${h.endpoint.maxInFlight} at most`);
    for (const key of keys) {
      const offsets = h.endpoint.requestsOf(key).map((r) => Number(r.offset));
      assert.deepEqual(
        offsets,
        [...offsets].sort((a, b) => a - b),
        `${key} in offset order`,
      );
      assert.equal(offsets.length, 3, key);
    }
    assert.deepEqual(h.errors, []);
  });
});

describe('deliver: malformed messages', () => {
  test('not JSON, a wrong version, a missing field: each dead-lettered with its reason', async () => {
    // Prepare
    const h = await harness(() => ({ status: 200 }));
    const bodies = [
      'not json at all',
      '{"v":2}',
      JSON.stringify({ v: 1, route: 'x' }),
      // Only the value is wrong: the coordinates still say which record it is.
      JSON.stringify({
        v: 1,
        route: h.route.name,
        topic: TOPIC,
        partition: 0,
        offset: '9',
        from: '8',
        timestamp: '1',
        key: null,
        headers: [],
        value: { inline: '***' },
      }),
    ];
    for (const [i, body] of bodies.entries()) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: h.queue.url,
          MessageBody: body,
          MessageGroupId: `g${i}`,
          MessageDeduplicationId: `d${i}`,
        }),
      );
    }
    // Act
    h.runner.start();
    const dead = await receiveAll(h.dlq.url, 4);
    await h.stop();
    // Assess
    const reasons = new Map(
      dead.map((m) => [m.Body, m.MessageAttributes?.['bridge-reason']?.StringValue ?? '']),
    );
    assert.match(reasons.get(bodies[0]) ?? '', /^envelope is not JSON/);
    assert.match(reasons.get(bodies[1]) ?? '', /envelope version 2 is not supported/);
    assert.match(reasons.get(bodies[2]) ?? '', /topic: is missing/);
    assert.match(reasons.get(bodies[3]) ?? '', /value\.inline: is not canonical base64/);
    assert.equal(h.endpoint.received.length, 0);
    assert.equal(h.metrics.get(METRICS.deadLettered), 4);
    // The one whose coordinates are readable is completed, so its partition's commit goes on.
    const completion = await waitFor("the malformed record's completion", () =>
      ledgerCompletion(h.completions, h.route.name, TOPIC, 0, 9n, 8n),
    );
    assert.equal(completion?.status, 'dead-lettered');
    assert.equal(completion?.offset, 9n);
    assert.deepEqual(h.errors, []);
  });
});

describe('deliver: request contents', () => {
  test('the legacy v1 signature (signingV1) verifies with the documented algorithm; secret headers and traceparent are sent', async () => {
    // Prepare
    const signingSecret = uniqueName('signing');
    const headersSecret = uniqueName('headers');
    const key = 'kd8Jx1-signing-key';
    await secrets.send(new CreateSecretCommand({ Name: signingSecret, SecretString: key }));
    await secrets.send(
      new CreateSecretCommand({
        Name: headersSecret,
        SecretString: JSON.stringify({ authorization: 'Bearer t0k3n' }),
      }),
    );
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const h = await harness(() => ({ status: 200 }), {}, { signingSecret, signingV1: true, headersSecret });
    await h.send('k1', 0, { headers: [['traceparent', Buffer.from(traceparent)]] });
    // Act
    h.runner.start();
    await waitForCompletion(h, 0);
    await h.stop();
    // Assess: the test plays the endpoint and verifies as the docs say.
    const request = h.endpoint.received[0];
    assert.ok(request);
    const timestamp = String(request.headers[TIMESTAMP_HEADER]);
    const signature = String(request.headers[SIGNATURE_HEADER]);
    assert.match(signature, /^v1=[0-9a-f]{64}$/);
    assert.ok(verifySignature(key, timestamp, request.body, signature));
    assert.ok(!verifySignature('another key', timestamp, request.body, signature));
    assert.ok(!verifySignature(key, timestamp, Buffer.concat([request.body, Buffer.from(' ')]), signature));
    assert.equal(request.headers.authorization, 'Bearer t0k3n');
    assert.equal(request.headers.traceparent, traceparent);
    assert.deepEqual(
      h.logs.filter((entry) => entry.attributes.recordId === `${h.route.name}/${TOPIC}/0/0`),
      [
        {
          level: 'info',
          message: 'record delivered',
          attributes: {
            recordId: `${h.route.name}/${TOPIC}/0/0`,
            traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
            attempts: 1,
          },
        },
      ],
      "the record's log line carries its record id and the trace id of its traceparent",
    );
  });

  test('Standard Webhooks: the standardwebhooks library verifies with either key of a rotation; no bridge headers', async () => {
    // Prepare: a rotation in progress, the new key first.
    const signingSecret = uniqueName('whsec');
    const [newKey, oldKey] = [randomBytes(32), randomBytes(32)].map((b) => `whsec_${b.toString('base64')}`);
    const keys = [
      { id: 'new', secret: newKey },
      { id: 'old', secret: oldKey },
    ];
    await secrets.send(
      new CreateSecretCommand({ Name: signingSecret, SecretString: JSON.stringify({ keys }) }),
    );
    const h = await harness(() => ({ status: 200 }), {}, { signingSecret, signing: 'standard-webhooks' });
    await h.send('k1', 0);
    // Act
    h.runner.start();
    await waitForCompletion(h, 0);
    await h.stop();
    // Assess: the endpoint verifies as docs/deliver.md tells endpoint teams to.
    const request = h.endpoint.received[0];
    assert.ok(request);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([n, v]) => [n, String(v)]));
    const body = request.body.toString('utf8');
    for (const key of [newKey, oldKey]) {
      assert.equal((new Webhook(key ?? '').verify(body, headers) as { offset: string }).offset, '0');
    }
    assert.throws(
      () => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers),
      WebhookVerificationError,
    );
    assert.equal(headers['webhook-id'], `${h.route.name}/${TOPIC}/0/0`);
    assert.deepEqual(
      Object.keys(headers).filter((name) => name.startsWith('x-bridge-')),
      [],
      'neither the v1 nor the v2 header',
    );
  });

  test('bridge-v2 signing by default sends no legacy v1 header', async () => {
    const signingSecret = uniqueName('signing');
    await secrets.send(new CreateSecretCommand({ Name: signingSecret, SecretString: 'kd8Jx1-signing-key' }));
    const h = await harness(() => ({ status: 200 }), {}, { signingSecret });
    await h.send('k1', 0);
    h.runner.start();
    await waitForCompletion(h, 0);
    await h.stop();
    const request = h.endpoint.received[0];
    assert.ok(request);
    assert.match(String(request.headers['x-bridge-signature-v2']), /^default=[0-9a-f]{64}$/);
    assert.equal(request.headers[SIGNATURE_HEADER], undefined);
  });

  test('a claim-check payload is fetched from S3 and sent inline; raw body mode sends the value alone', async () => {
    // Prepare
    const h = await harness(() => ({ status: 200 }), {}, { body: 'raw' });
    const bytes = Buffer.from('a value that travelled through S3');
    const s3Key = `payloads/${h.route.name}/0/0`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: s3Key, Body: bytes }));
    const sha256 = createHash('sha256').update(bytes).digest('base64');
    await h.send('k1', 0, { value: { s3: { bucket, key: s3Key, size: bytes.length, sha256 } } });
    // A pointer whose checksum does not match is dead-lettered, never delivered.
    await h.send('k2', 1, {
      value: {
        s3: {
          bucket,
          key: s3Key,
          size: bytes.length,
          sha256: createHash('sha256').update('other').digest('base64'),
        },
      },
    });
    // Act
    h.runner.start();
    const good = await waitForCompletion(h, 0);
    const bad = await waitForCompletion(h, 1);
    await h.stop();
    // Assess
    assert.equal(good.status, 'delivered');
    assert.equal(bad.status, 'dead-lettered');
    assert.equal(h.endpoint.received.length, 1);
    const request = h.endpoint.received[0];
    assert.ok(request);
    assert.deepEqual(request.body, bytes);
    assert.equal(request.headers['x-kafka-offset'], '0');
    assert.equal(request.headers['x-kafka-key'], Buffer.from('k1').toString('base64'));
    assert.match((await archiveOf(archiveKey(h, 1))).reason, /SHA-256/);
  });
});

describe('deliver: circuit breaker', () => {
  test('with the endpoint down calls fall to the probe rate; when it is back delivery resumes', async () => {
    // Prepare: ten keys, one record each; the endpoint is down (503) until told otherwise.
    let down = true;
    const h = await harness(() => (down ? { status: 503 } : { status: 200 }), {
      retry: { attempts: 995, inProcessAttempts: 1, baseMs: 100, maxMs: 500, jitter: 'none' },
      breaker: { failureRatio: 0.5, minCalls: 4, windowMs: 60_000, cooldownMs: 1_500 },
    });
    for (let offset = 0; offset < 10; offset++) await h.send(`key-${offset}`, offset);
    // Act: eight seconds down, then up.
    h.runner.start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const afterThreeSeconds = h.endpoint.received.length;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const whileDown = h.endpoint.received.length;
    down = false;
    for (let offset = 0; offset < 10; offset++) await waitForCompletion(h, offset, 30_000);
    await h.stop();
    // Assess: without the breaker each record would be tried about once a second (~50 calls in
    // those 5 s); with it, about one probe per 1.5 s cool-down.
    const lastFiveSeconds = whileDown - afterThreeSeconds;
    assert.ok(lastFiveSeconds <= 6, `${lastFiveSeconds} calls in 5 s while down`);
    assert.ok(lastFiveSeconds >= 1, 'the breaker probes while open');
    assert.ok(afterThreeSeconds <= 12, `${afterThreeSeconds} calls in the first 3 s`);
    assert.ok(h.metrics.get(METRICS.held) > 0);
    for (let offset = 0; offset < 10; offset++)
      assert.equal((await completionOf(h, offset))?.status, 'delivered');
  });
});
