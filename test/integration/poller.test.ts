// The poller (lib/poller, functions/poller.ts) against the real Kafka broker, ElasticMQ (SQS
// FIFO) and moto (S3). Each test has its own topic, route (so its own groups and queue) and
// checks what reached the queue: per group in offset order, per partition without gaps, no
// duplicates, and `from` chaining each record to the one before it (I2, I3, I4, I6).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import kafkajs, { type Kafka, type Message, type Producer } from 'kafkajs';
import { parseBridgeConfig, progressGroupId, type Route, type RouteInput } from '../../lib/config/index.ts';
import { decodeEnvelope, type Envelope, messageGroupId } from '../../lib/envelope/index.ts';
import { KafkaOffsets } from '../../lib/kafka/offsets.ts';
import { type PollerLog, RoutePoller } from '../../lib/poller/index.ts';
import {
  assertReachable,
  awsEndpoint,
  uniqueName as awsUniqueName,
  createFifoQueue,
  s3Client,
  sqsClient,
  sqsEndpoint,
} from '../support/aws.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  deleteTopics,
  kafkaBrokers,
  uniqueName,
} from '../support/kafka.ts';
import { pollerProcessEnv } from '../support/poller-process.ts';

let kafka: Kafka;
let producer: Producer;
let offsets: KafkaOffsets;
let sqs: SQSClient;
let s3: S3Client;
let bucket: string;
const topics: string[] = [];
const pollers: RoutePoller[] = [];
const children: ChildProcess[] = [];

interface Fixture {
  readonly route: Route;
  readonly topic: string;
  readonly queueUrl: string;
}

/** A route on a new topic with its own FIFO queue; `overrides` are RouteInput fields. */
async function fixture(partitions: number, overrides: Partial<RouteInput> = {}): Promise<Fixture> {
  const topic = uniqueName('poller');
  topics.push(topic);
  await createTopic(topic, partitions);
  const name = awsUniqueName('pl');
  const config = parseBridgeConfig({
    kafka: { brokers: kafkaBrokers() },
    routes: [
      {
        name,
        topics: [topic],
        endpoint: { type: 'http', url: 'http://127.0.0.1:8787/unused' },
        ...overrides,
      },
    ],
  });
  const route = config.routes[0];
  assert.ok(route !== undefined);
  const queue = await createFifoQueue(sqs, name, { DeduplicationScope: 'messageGroup' });
  return { route, topic, queueUrl: queue.url };
}

function poller(f: Fixture, options: { progressPollMs?: number } = {}): RoutePoller {
  const p = new RoutePoller({
    route: f.route,
    kafka: createKafka(`poller-${f.route.name}`),
    sqs,
    s3,
    queueUrl: f.queueUrl,
    payloadBucket: bucket,
    progressPollMs: options.progressPollMs ?? 500,
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 10_000,
  });
  pollers.push(p);
  return p;
}

async function produce(topic: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 500) {
    await producer.send({ topic, messages: messages.slice(i, i + 500) });
  }
}

async function queueDepth(queueUrl: string): Promise<number> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

async function waitForDepth(queueUrl: string, count: number, timeoutMs = 60_000): Promise<void> {
  let depth = 0;
  await waitFor(`${count} messages in the queue`, timeoutMs, async () => {
    depth = await queueDepth(queueUrl);
    return depth >= count;
  }).catch((error: unknown) => {
    throw new Error(`${(error as Error).message} (depth ${depth})`);
  });
}

interface Received {
  readonly groupId: string;
  readonly envelope: Envelope;
}

/** Receives and deletes everything in the queue, in the order SQS hands it out. */
async function drain(queueUrl: string): Promise<Received[]> {
  const received: Received[] = [];
  let emptyReads = 0;
  while (emptyReads < 2) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) {
      emptyReads++;
      continue;
    }
    emptyReads = 0;
    for (const message of messages) {
      const groupId = message.Attributes?.MessageGroupId;
      assert.ok(groupId !== undefined && message.Body !== undefined);
      received.push({ groupId, envelope: decodeEnvelope(message.Body) });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return received;
}

/**
 * The invariants of what reached the queue, for partitions whose records have offsets 0..n-1
 * (no transactions, no compaction): each offset exactly once (unless `allowDuplicates`, after a
 * crash), groups in offset order, `from` = previous offset + 1.
 */
function assertForwarded(
  received: readonly Received[],
  expected: ReadonlyMap<number, number>,
  allowDuplicates = false,
): void {
  const seen = new Map<string, Envelope>();
  const lastInGroup = new Map<string, bigint>();
  for (const { groupId, envelope } of received) {
    const id = `${envelope.partition}/${envelope.offset}`;
    const offset = BigInt(envelope.offset);
    const before = seen.get(id);
    if (before !== undefined) {
      assert.ok(allowDuplicates, `record ${id} arrived twice`);
      assert.deepEqual(envelope, before, `duplicate of ${id} differs`);
      continue;
    }
    seen.set(id, envelope);
    const previous = lastInGroup.get(groupId);
    assert.ok(
      previous === undefined || previous < offset,
      `group ${groupId}: offset ${offset} arrived after ${previous}`,
    );
    lastInGroup.set(groupId, offset);
    assert.equal(envelope.from, envelope.offset, `record ${id}: from must be the previous offset + 1`);
  }
  for (const [partition, count] of expected) {
    for (let offset = 0; offset < count; offset++) {
      assert.ok(seen.has(`${partition}/${offset}`), `record ${partition}/${offset} is missing`);
    }
  }
  const total = [...expected.values()].reduce((a, b) => a + b, 0);
  assert.equal(seen.size, total, 'records that were never produced arrived');
}

/** `count` records per partition, keyed `key-<n>` over `keys` keys, some without key. */
function keyedRecords(partitions: number, count: number, keys: number): Message[] {
  const messages: Message[] = [];
  for (let i = 0; i < count * partitions; i++) {
    const partition = i % partitions;
    // A key lives in one partition (as with the default partitioner); after every key was used
    // once, every 50th record has none.
    const perPartitionKeys = Math.ceil(keys / partitions);
    const round = Math.floor(i / partitions);
    const key =
      round >= perPartitionKeys && i % 50 === 49 ? null : `key-${partition}-${round % perPartitionKeys}`;
    messages.push({ partition, key, value: `value ${i}` });
  }
  return messages;
}

interface PollerProcess {
  readonly child: ChildProcess;
  /** The health port it logged (it listens on a free port: HEALTH_PORT=0). */
  readonly healthPort: Promise<number>;
  /** The first metrics (EMF) line with the heartbeat it printed. */
  readonly heartbeat: Promise<Record<string, unknown>>;
}

function spawnPoller(f: Fixture): PollerProcess {
  const config = {
    kafka: { brokers: kafkaBrokers() },
    routes: [
      {
        name: f.route.name,
        topics: [f.topic],
        endpoint: { type: 'http', url: 'http://127.0.0.1:8787/unused' },
        maxInFlight: f.route.maxInFlight,
      },
    ],
  };
  const child = spawn(process.execPath, ['functions/poller.ts'], {
    env: pollerProcessEnv(config, bucket, { metricsIntervalMs: 500, progressPollMs: 500 }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  // Always read stdout: a full pipe would block the child's logging, and with it the poller.
  let out = '';
  const healthPort = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"message":"health endpoint listening","port":(\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
      if (process.env.POLLER_TEST_LOG === '1') process.stderr.write(chunk);
      if (out.length > 100_000) out = out.slice(-1_000);
    });
    child.once('exit', () =>
      reject(new Error(`poller child exited before logging its health port: ${errors}`)),
    );
  });
  healthPort.catch(() => undefined);
  const heartbeat = new Promise<Record<string, unknown>>((resolve, reject) => {
    let lines = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      lines += chunk.toString();
      const found = lines.split('\n').find((l) => l.includes('"mps.poller.heartbeat"'));
      if (found !== undefined) resolve(JSON.parse(found) as Record<string, unknown>);
      if (lines.length > 100_000) lines = lines.slice(lines.lastIndexOf('\n') + 1);
    });
    child.once('exit', () => reject(new Error('poller child exited before emitting a heartbeat metric')));
  });
  heartbeat.catch(() => undefined);
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`poller child exited ${code}: ${errors}\n`);
  });
  children.push(child);
  return { child, healthPort, heartbeat };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

before(async () => {
  await assertKafkaReachable();
  await assertReachable(sqsEndpoint(), 'ElasticMQ');
  await assertReachable(awsEndpoint(), 'moto');
  kafka = createKafka('poller-test');
  producer = kafka.producer();
  await producer.connect();
  offsets = new KafkaOffsets(kafka);
  await offsets.connect();
  sqs = sqsClient();
  s3 = s3Client();
  bucket = awsUniqueName('payloads');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

after(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.allSettled(pollers.map((p) => p.stop()));
  await producer?.disconnect();
  await offsets?.disconnect();
  await deleteTopics(topics);
});

/**
 * A Kafka client whose consumers' eachBatch throws a non-retriable kafkajs error on the batches
 * numbered in `failOn` (counted over every consumer it makes): kafkajs then stops the consumer
 * for good (CRASH with restart: false), as it does for some rejoin errors under load.
 */
function crashingKafka(
  name: string,
  failOn: (batch: number) => boolean,
): { kafka: Kafka; thrown: () => number } {
  const real = createKafka(name);
  let batches = 0;
  let thrown = 0;
  const make = real.consumer.bind(real);
  real.consumer = (config) => {
    const c = make(config);
    const run = c.run.bind(c);
    c.run = (runConfig) =>
      run({
        ...runConfig,
        eachBatch: async (payload) => {
          if (payload.batch.messages.length > 0 && failOn(++batches)) {
            thrown++;
            throw new kafkajs.KafkaJSNonRetriableError('injected: the consumer stops for good');
          }
          await runConfig?.eachBatch?.(payload);
        },
      });
    return c;
  };
  return { kafka: real, thrown: () => thrown };
}

function recordingLog(): PollerLog & { readonly messages: string[] } {
  const messages: string[] = [];
  const record = (message: string): void => {
    messages.push(message);
  };
  return { messages, info: record, warn: record, error: record };
}

describe('poller', { concurrency: 1 }, () => {
  test('forwards 4 partitions and 1200 keys in per-group offset order, without gaps or duplicates', async () => {
    // Prepare
    const f = await fixture(4, { maxInFlight: 5_000 });
    const perPartition = 1_000;
    await produce(f.topic, keyedRecords(4, perPartition, 1_200));
    const p = poller(f);

    // Act
    const started = Date.now();
    await p.start();
    await waitForDepth(f.queueUrl, 4 * perPartition);
    console.log(`forwarded ${4 * perPartition} records in ${Date.now() - started} ms`);
    const status = p.status();
    await p.stop();
    const received = await drain(f.queueUrl);

    // Assess
    assertForwarded(received, new Map([0, 1, 2, 3].map((partition) => [partition, perPartition])));
    const groups = new Set(received.map((r) => r.groupId)).size;
    assert.ok(groups >= 1_200, `at least 1200 groups, got ${groups}`);
    for (const r of received.filter((r) => r.envelope.key === null))
      assert.equal(r.groupId, `p${r.envelope.partition}`);
    assert.deepEqual(
      status.partitions.map((s) => [s.partition, s.next, s.inFlight]),
      [0, 1, 2, 3].map((partition) => [partition, String(perPartition), perPartition]),
    );
    const committed = await offsets.committed(progressGroupId(f.route), f.topic);
    assert.deepEqual(
      [...committed].sort(([a], [b]) => a - b),
      [0, 1, 2, 3].map((partition) => [partition, 0n]),
      'the start position (earliest) was written to the progress group',
    );
  });

  test('a killed poller process loses nothing when restarted, and keeps per-key order', async () => {
    // Prepare
    const f = await fixture(3, { maxInFlight: 10_000 });
    const perPartition = 1_500;
    await produce(f.topic, keyedRecords(3, perPartition, 300));

    // Act: kill -9 mid-stream, then start again
    const first = spawnPoller(f);
    await waitForDepth(f.queueUrl, 300, 60_000);
    first.child.kill('SIGKILL');
    await exited(first.child);
    const depthAtKill = await queueDepth(f.queueUrl);
    const restartedAt = Date.now();
    const second = spawnPoller(f);
    await waitForDepth(f.queueUrl, 3 * perPartition, 90_000);
    console.log(`restarted poller caught up in ${Date.now() - restartedAt} ms`);
    const health = await fetch(`http://127.0.0.1:${await second.healthPort}/health`);
    const report = (await health.json()) as {
      routes: { partitions: { next: string; inFlight: number }[] }[];
    };
    const metric = await second.heartbeat;
    second.child.kill('SIGTERM');
    const code = await exited(second.child);
    const received = await drain(f.queueUrl);

    // Assess: ElasticMQ drops resends within its 5-minute deduplication window
    assert.ok(depthAtKill < 3 * perPartition, `the kill came mid-stream (depth ${depthAtKill})`);
    assert.equal(code, 0, 'SIGTERM stops the poller gracefully with exit code 0');
    assert.equal(health.status, 200);
    assert.equal(metric.route, f.route.name);
    assert.equal(metric['mps.poller.heartbeat'], 1);
    assert.deepEqual(
      report.routes[0]?.partitions.map((p) => [p.next, p.inFlight]),
      [0, 1, 2].map(() => [String(perPartition), perPartition]),
    );
    assertForwarded(received, new Map([0, 1, 2].map((partition) => [partition, perPartition])), true);
  });

  test('a consumer kafkajs stops for good is replaced in process; nothing lost, no duplicates', async () => {
    // Prepare
    const f = await fixture(2, { maxInFlight: 5_000 });
    await produce(f.topic, keyedRecords(2, 300, 50));
    const { kafka: crashing, thrown } = crashingKafka(`poller-${f.route.name}`, (batch) => batch === 2);
    const log = recordingLog();
    let fatal: Error | undefined;
    const p = new RoutePoller({
      route: f.route,
      kafka: crashing,
      sqs,
      s3,
      queueUrl: f.queueUrl,
      payloadBucket: bucket,
      progressPollMs: 500,
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 10_000,
      log,
      onFatal: (error) => {
        fatal = error;
      },
      consumerRestarts: { max: 2, windowMs: 60_000, backoff: { baseMs: 200, maxMs: 200, jitter: 'none' } },
    });
    pollers.push(p);

    // Act
    await p.start();
    await waitForDepth(f.queueUrl, 600, 60_000);
    await p.stop();
    const received = await drain(f.queueUrl);

    // Assess
    assert.equal(thrown(), 1);
    assert.equal(fatal, undefined, 'one crash is within the restart budget');
    assert.ok(log.messages.includes('kafka consumer crashed'), log.messages.join('\n'));
    assert.ok(log.messages.includes('kafka consumer replaced'), log.messages.join('\n'));
    // Records the first consumer forwarded are forwarded again; SQS's deduplication drops them.
    assertForwarded(received, new Map([0, 1].map((partition) => [partition, 300])));
  });

  test('a consumer that keeps stopping exhausts the restart budget and is reported fatal', async () => {
    // Prepare
    const f = await fixture(1);
    await produce(f.topic, keyedRecords(1, 20, 5));
    const { kafka: crashing, thrown } = crashingKafka(`poller-${f.route.name}`, () => true);
    let fatal: Error | undefined;
    const p = new RoutePoller({
      route: f.route,
      kafka: crashing,
      sqs,
      s3,
      queueUrl: f.queueUrl,
      payloadBucket: bucket,
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 10_000,
      onFatal: (error) => {
        fatal = error;
      },
      consumerRestarts: { max: 1, windowMs: 60_000, backoff: { baseMs: 100, maxMs: 100, jitter: 'none' } },
    });
    pollers.push(p);

    // Act
    await p.start();
    await waitFor('the poller to give up', 60_000, () => fatal !== undefined);
    await p.stop();

    // Assess
    assert.equal(thrown(), 2, 'the first consumer and its one replacement each crashed once');
    assert.match(fatal?.message ?? '', /kafka consumer stopped 2 times within 60000 ms: injected/);
    assert.equal(await queueDepth(f.queueUrl), 0, 'nothing was forwarded');
  });

  test('two pollers split the partitions; stopping one moves its partitions to the other', async () => {
    // Prepare
    const f = await fixture(4, { maxInFlight: 10_000, rateLimit: { perSecond: 600 } });
    const perPartition = 500;
    await produce(f.topic, keyedRecords(4, perPartition, 400));
    const a = poller(f);
    const b = poller(f);

    // Act
    await a.start();
    await waitForDepth(f.queueUrl, 200);
    await b.start();
    await waitFor('both pollers to own partitions', 30_000, () => {
      const ownedA = a.status().partitions.filter((s) => s.next !== undefined).length;
      const ownedB = b.status().partitions.filter((s) => s.next !== undefined).length;
      return ownedA > 0 && ownedB > 0 && ownedA + ownedB === 4;
    });
    const split = [a.status().partitions.length, b.status().partitions.length];
    await a.stop();
    await waitForDepth(f.queueUrl, 4 * perPartition, 90_000);
    const ownedByB = b.status().partitions.map((s) => s.partition);
    const received = await drain(f.queueUrl);

    // Assess
    assert.deepEqual(split.toSorted(), [2, 2]);
    assert.deepEqual(ownedByB, [0, 1, 2, 3]);
    assertForwarded(received, new Map([0, 1, 2, 3].map((partition) => [partition, perPartition])));
  });

  test('from chains records across transaction markers and aborted records (I4)', async () => {
    // Prepare: two committed transactions around an aborted one; each leaves a control record
    const f = await fixture(1);
    const transactional = kafka.producer({
      transactionalId: uniqueName('txn'),
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await transactional.connect();
    const send = async (values: string[], commit: boolean): Promise<void> => {
      const transaction = await transactional.transaction();
      await transaction.send({
        topic: f.topic,
        messages: values.map((value) => ({ partition: 0, key: 'k', value })),
      });
      if (commit) await transaction.commit();
      else await transaction.abort();
    };
    await send(['a', 'b'], true);
    await send(['x'], false);
    await send(['c'], true);
    await transactional.disconnect();
    const p = poller(f);

    // Act
    await p.start();
    await waitForDepth(f.queueUrl, 3);
    await sleep(1_000);
    const status = p.status();
    await p.stop();
    const received = await drain(f.queueUrl);

    // Assess: offsets 0 a, 1 b, 2 marker, 3 x (aborted), 4 marker, 5 c, 6 marker
    assert.deepEqual(
      received.map((r) => [r.envelope.offset, r.envelope.from, r.envelope.value]),
      [
        ['0', '0', { inline: Buffer.from('a') }],
        ['1', '1', { inline: Buffer.from('b') }],
        ['5', '2', { inline: Buffer.from('c') }],
      ],
    );
    assert.equal(status.partitions[0]?.next, '6');
  });

  test('a restarted poller resumes from the progress group, and startFrom latest skips the backlog', async () => {
    // Prepare: a route that starts at the end; records produced before it started stay behind
    const f = await fixture(2, { startFrom: 'latest' });
    await produce(f.topic, keyedRecords(2, 20, 10));
    const first = poller(f);
    await first.start();
    await waitFor(
      'partitions positioned',
      30_000,
      () =>
        first.status().partitions.every((s) => s.next !== undefined) &&
        first.status().partitions.length === 2,
    );
    await produce(f.topic, keyedRecords(2, 5, 10));
    await waitForDepth(f.queueUrl, 10);
    await first.stop();
    const beforeRestart = await drain(f.queueUrl);
    // the commit function finished partition 0 up to 23 and partition 1 up to 25
    await offsets.commit(
      progressGroupId(f.route),
      f.topic,
      new Map([
        [0, 23n],
        [1, 25n],
      ]),
    );
    await produce(f.topic, keyedRecords(2, 3, 10));
    const second = poller(f);

    // Act
    await second.start();
    await waitFor(
      'the restarted poller to reach the end',
      30_000,
      () =>
        second.status().partitions.every((s) => s.next === '28') && second.status().partitions.length === 2,
    );
    const status = second.status();
    await second.stop();
    const afterRestart = await drain(f.queueUrl);

    // Assess
    assert.deepEqual(
      beforeRestart.map((r) => `${r.envelope.partition}/${r.envelope.offset}/${r.envelope.from}`).sort(),
      [0, 1].flatMap((p) => [20, 21, 22, 23, 24].map((o) => `${p}/${o}/${o}`)).sort(),
      'startFrom latest: the 20 records per partition produced before the start were skipped',
    );
    // Partition 0 restarted at 23: 23 and 24 were sent again and dropped by ElasticMQ's deduplication.
    assert.deepEqual(
      afterRestart.map((r) => `${r.envelope.partition}/${r.envelope.offset}/${r.envelope.from}`).sort(),
      [0, 1].flatMap((p) => [25, 26, 27].map((o) => `${p}/${o}/${o}`)).sort(),
    );
    assert.deepEqual(
      status.partitions.map((s) => [s.partition, s.next, s.committed, s.forwarded]),
      [
        [0, '28', '23', 5],
        [1, '28', '25', 3],
      ],
      'each partition resumed at its committed offset in the progress group',
    );
  });

  test('the route rate limit holds, shared by the partitions the poller owns', async () => {
    // Prepare: 40 records/s for the route (20 per partition), a burst of 10
    const f = await fixture(2, { rateLimit: { perSecond: 40, burst: 10 } });
    await produce(f.topic, keyedRecords(2, 200, 50));
    const p = poller(f);

    // Act
    await p.start();
    const total = (): number => p.status().partitions.reduce((sum, s) => sum + s.forwarded, 0);
    await waitFor('forwarding to begin', 30_000, () => total() > 0);
    // Counted from a reading taken at the start of the window: records forwarded between the
    // first one and the poll that saw it would otherwise count without their time.
    const started = Date.now();
    const before = total();
    await sleep(3_000);
    const forwarded = total() - before;
    const elapsedS = (Date.now() - started) / 1000;
    await p.stop();

    // Assess: at most the burst (5 per partition) plus 40/s, and the bucket refills (more than
    // the burst went through). How close to the limit it runs is a benchmark
    // (npm run bench:poller-rate-limit, docs/benchmarks.md).
    const allowed = 10 + 40 * elapsedS;
    assert.ok(
      forwarded <= allowed + 2,
      `forwarded ${forwarded} records in ${elapsedS} s, more than ${allowed}`,
    );
    assert.ok(forwarded > 10, `forwarded only ${forwarded} records in ${elapsedS} s: no more than the burst`);
  });

  test('records deleted before they were forwarded are reported and skipped, and the chain goes on', async () => {
    // Prepare: the progress group is at 2, but offsets 0..4 are deleted (as retention would)
    const f = await fixture(1);
    await produce(f.topic, keyedRecords(1, 10, 3));
    await offsets.commit(progressGroupId(f.route), f.topic, new Map([[0, 2n]]));
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [f.topic] }); // deleteTopicRecords needs it loaded
    await admin.deleteTopicRecords({ topic: f.topic, partitions: [{ partition: 0, offset: '5' }] });
    await admin.disconnect();
    const p = poller(f);

    // Act
    await p.start();
    await waitForDepth(f.queueUrl, 5);
    await sleep(500);
    const status = p.status();
    await p.stop();
    const received = await drain(f.queueUrl);
    const committed = await offsets.committed(progressGroupId(f.route), f.topic);

    // Assess
    assert.deepEqual(received.map((r) => `${r.envelope.offset}/${r.envelope.from}`).sort(), [
      '5/5',
      '6/6',
      '7/7',
      '8/8',
      '9/9',
    ]);
    assert.equal(committed.get(0), 5n, 'the progress group moved past the deleted records');
    assert.equal(status.partitions[0]?.lost, '3', 'the health status counts the lost records');
  });

  test('a 900 KiB value goes through S3; null, binary, long and punctuation keys and headers survive', async () => {
    // Prepare
    const f = await fixture(1);
    const big = randomBytes(900 * 1024);
    const binaryKey = Buffer.from([0, 255, 10, 13, 128, 1]);
    const longKey = 'k'.repeat(300);
    const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
    const records: Message[] = [
      { partition: 0, key: null, value: 'no key' },
      { partition: 0, key: binaryKey, value: Buffer.from([0, 1, 2, 255]) },
      { partition: 0, key: longKey, value: 'long key' },
      {
        partition: 0,
        key: punctuation,
        value: 'punctuation',
        headers: { trace: Buffer.from([0xff, 0]), name: 'x' },
      },
      { partition: 0, key: 'big', value: big },
      { partition: 0, key: 'tombstone', value: null },
    ];
    await produce(f.topic, records);
    const p = poller(f);

    // Act
    await p.start();
    await waitForDepth(f.queueUrl, records.length);
    await p.stop();
    const received = await drain(f.queueUrl);

    // Assess
    assertForwarded(received, new Map([[0, records.length]]));
    const byOffset = new Map(received.map((r) => [Number(r.envelope.offset), r]));
    const expectGroup = (key: Buffer | null, offset: number): string =>
      messageGroupId({ key, partition: 0, offset: String(offset), ordering: 'key' });
    assert.equal(byOffset.get(0)?.groupId, 'p0');
    assert.deepEqual(byOffset.get(1)?.envelope.key, binaryKey);
    assert.deepEqual(byOffset.get(1)?.envelope.value, { inline: Buffer.from([0, 1, 2, 255]) });
    assert.equal(byOffset.get(1)?.groupId, expectGroup(binaryKey, 1));
    assert.match(byOffset.get(2)?.groupId ?? '', /^h:/);
    assert.equal(byOffset.get(2)?.envelope.key?.toString(), longKey);
    assert.equal(byOffset.get(3)?.groupId, punctuation);
    assert.deepEqual(byOffset.get(3)?.envelope.headers, [
      ['trace', Buffer.from([0xff, 0])],
      ['name', Buffer.from('x')],
    ]);
    assert.equal(byOffset.get(5)?.envelope.value, null);
    const value = byOffset.get(4)?.envelope.value;
    assert.ok(value !== null && value !== undefined && 's3' in value, 'the 900 KiB value went to S3');
    assert.equal(value.s3.bucket, bucket);
    assert.equal(value.s3.size, big.byteLength);
    assert.equal(value.s3.sha256, createHash('sha256').update(big).digest('base64'));
    assert.ok(value.s3.key.startsWith(`payloads/${f.route.name}/`));
    const object = await s3.send(new GetObjectCommand({ Bucket: value.s3.bucket, Key: value.s3.key }));
    const stored = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    assert.ok(stored.equals(big), 'the object holds the value byte for byte');
  });

  test('maxInFlight holds per partition with no deliverer, and commits let the poller go on', async () => {
    // Prepare
    const maxInFlight = 50;
    const f = await fixture(2, { maxInFlight });
    await produce(f.topic, keyedRecords(2, 300, 100));
    const p = poller(f, { progressPollMs: 200 });

    // Act: nothing commits, so the poller stops at maxInFlight per partition
    await p.start();
    await waitForDepth(f.queueUrl, 2 * maxInFlight);
    await sleep(2_000);
    const heldDepth = await queueDepth(f.queueUrl);
    const heldStatus = p.status();
    // a commit function moves partition 0's committed offset to 30 (as if 0..29 were delivered)
    await offsets.commit(progressGroupId(f.route), f.topic, new Map([[0, 30n]]));
    await waitForDepth(f.queueUrl, 2 * maxInFlight + 30, 15_000);
    await sleep(1_500);
    const afterCommitDepth = await queueDepth(f.queueUrl);
    const afterStatus = p.status();
    await p.stop();
    const received = await drain(f.queueUrl);

    // Assess
    assert.equal(heldDepth, 2 * maxInFlight, 'the queue never holds more than partitions x maxInFlight');
    assert.deepEqual(
      heldStatus.partitions.map((s) => [s.inFlight, s.paused]),
      [
        [maxInFlight, ['in-flight']],
        [maxInFlight, ['in-flight']],
      ],
    );
    assert.equal(afterCommitDepth, 2 * maxInFlight + 30, 'exactly the 30 committed records made room');
    assert.deepEqual(
      afterStatus.partitions.map((s) => [s.partition, s.next, s.committed, s.inFlight]),
      [
        [0, '80', '30', maxInFlight],
        [1, '50', '0', maxInFlight],
      ],
    );
    assertForwarded(
      received,
      new Map([
        [0, 80],
        [1, 50],
      ]),
    );
  });
});
