// The operator CLI (lib/cli) against the real broker and emulators, with the real deliverer run
// by the local event source runner and a real local HTTP endpoint. The poller's part (records
// into the queue) is played by the test, which sends the envelopes the poller would.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CliContext } from '../../lib/cli/context.ts';
import { dlqList, dlqReplay, dlqShow } from '../../lib/cli/dlq.ts';
import { main } from '../../lib/cli/main.ts';
import { quarantineList, quarantineReplay } from '../../lib/cli/quarantine.ts';
import { reset } from '../../lib/cli/reset.ts';
import { status } from '../../lib/cli/status.ts';
import { trace } from '../../lib/cli/trace.ts';
import type { Completion } from '../../lib/completion/completion.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import {
  type BridgeConfig,
  parseBridgeConfig,
  progressGroupId,
  type Route,
  type RouteInput,
} from '../../lib/config/index.ts';
import {
  decodeEnvelope,
  deduplicationId,
  type Envelope,
  encodeEnvelope,
  encodeRecordObject,
  messageGroupId,
  type RecordContent,
} from '../../lib/envelope/index.ts';
import { KafkaOffsets } from '../../lib/kafka/offsets.ts';
import type { LocalEventSource } from '../../lib/local/event-source.ts';
import {
  assertReachable,
  awsEndpoint,
  cliEnv,
  dynamoClient,
  type FifoQueue,
  lambdaClient,
  s3Client,
  secretsClient,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';
import { completeDelivered, ledgerCompletion } from '../support/completions.ts';
import { deliverRoute } from '../support/deliver.ts';
import { type ReceivedRequest, type Script, TestEndpoint } from '../support/endpoint.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  deleteTopics,
  kafkaBrokers,
} from '../support/kafka.ts';
import { eventually } from '../support/wait.ts';

let sqs: SQSClient;
let s3: S3Client;
let dynamo: DynamoDBClient;
let bucket: string;
let table: string;
const topics: string[] = [];

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  sqs = sqsClient();
  s3 = s3Client();
  dynamo = dynamoClient();
  bucket = uniqueName('cli');
  table = uniqueName('cli-completions');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await dynamo.send(new CreateTableCommand(completionTableDefinition(table)));
});

after(async () => {
  await deleteTopics(topics);
  sqs.destroy();
  s3.destroy();
  dynamo.destroy();
});

/** A route with its topic, queues, endpoint, deliverer runner and a CLI context pointed at them. */
interface Harness {
  readonly config: BridgeConfig;
  readonly route: Route;
  readonly topic: string;
  readonly queue: FifoQueue;
  readonly dlq: FifoQueue;
  readonly endpoint: TestEndpoint;
  /** Requests the endpoint answered with 2xx, in arrival order. */
  readonly delivered: ReceivedRequest[];
  readonly runner: LocalEventSource;
  readonly ctx: CliContext;
  readonly completions: CompletionStore;
  /** Produces records (key, value) to the topic; returns their offsets. */
  produce(keys: readonly string[]): Promise<string[]>;
  /** Sends the record at `offset` into the queue, as the poller would. */
  forward(key: string, offset: number): Promise<Envelope>;
  /** Changes how the endpoint answers (to fix it). */
  setScript(script: Script): void;
  stop(): Promise<void>;
}

async function harness(script: Script, overrides: Partial<RouteInput> = {}): Promise<Harness> {
  const delivered: ReceivedRequest[] = [];
  let current = script;
  const endpoint = await TestEndpoint.start((request) => {
    const answer = current(request);
    if (answer.status < 300) delivered.push(request);
    return answer;
  });
  const name = uniqueName('cli');
  const topic = name;
  topics.push(topic);
  await createTopic(topic, 1);
  const config = parseBridgeConfig({
    kafka: { brokers: kafkaBrokers() },
    routes: [
      {
        name,
        topics: [topic],
        endpoint: { type: 'http', url: endpoint.url, timeoutMs: 2_000 },
        retry: { attempts: 2, inProcessAttempts: 2, baseMs: 20, maxMs: 200, jitter: 'none' },
        ...overrides,
      },
    ],
  });
  const route = config.routes[0];
  assert.ok(route);
  const { queue, dlq, runner } = await deliverRoute(name, {
    route,
    bucket,
    completionTable: table,
    clients: { sqs, s3, dynamo, secrets: secretsClient(), lambda: lambdaClient() },
  });
  const ctx = new CliContext(config, { endpoint: awsEndpoint(), sqsEndpoint: sqsEndpoint(), table, bucket });
  const producer = createKafka('cli-test-producer').producer();
  await producer.connect();
  const values = new Map<number, { key: string; timestamp: string }>();
  return {
    config,
    route,
    topic,
    queue,
    dlq,
    endpoint,
    delivered,
    runner,
    ctx,
    completions: new CompletionStore({ client: dynamo, tableName: table }),
    setScript(script) {
      current = script;
    },
    async produce(keys) {
      const offsets: string[] = [];
      for (const key of keys) {
        const [meta] = await producer.send({
          topic,
          acks: -1,
          messages: [{ key, value: `value of ${key}` }],
        });
        assert.ok(meta);
        const offset = meta.baseOffset ?? '0';
        values.set(Number(offset), { key, timestamp: String(Date.now()) });
        offsets.push(offset);
      }
      return offsets;
    },
    async forward(key, offset) {
      const envelope: Envelope = {
        route: name,
        topic,
        partition: 0,
        offset: String(offset),
        from: String(offset),
        timestamp: values.get(offset)?.timestamp ?? String(Date.now()),
        key: Buffer.from(key),
        headers: [],
        value: { inline: Buffer.from(`value of ${key}`) },
      };
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: encodeEnvelope(envelope),
          MessageGroupId: messageGroupId({
            key: envelope.key,
            partition: 0,
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
      await producer.disconnect();
      await endpoint.stop().catch(() => undefined);
      ctx.destroy();
    },
  };
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000) =>
  eventually(what, probe, { timeoutMs, intervalMs: 100 });

/** A replayed record's outcome: the per-record completion the deliverer writes for a replay. */
function waitForReplayOutcome(h: Harness, offset: number): Promise<Completion> {
  return waitFor(`replay outcome of offset ${offset}`, () =>
    h.completions.get(h.route.name, h.topic, 0, BigInt(offset)),
  );
}

function waitForCompletion(h: Harness, offset: number): Promise<Completion> {
  return waitFor(`completion of offset ${offset}`, () =>
    ledgerCompletion(h.completions, h.route.name, h.topic, 0, BigInt(offset)),
  );
}

async function commitProgress(h: Harness, offset: bigint): Promise<void> {
  const offsets = new KafkaOffsets(createKafka('cli-test-commit'));
  try {
    await offsets.commit(progressGroupId(h.route), h.topic, new Map([[0, offset]]));
  } finally {
    await offsets.disconnect();
  }
}

const ok: Script = () => ({ status: 200, body: 'ok' });

describe('kafka-bridge CLI', () => {
  test('status: committed offset, log end and lag per partition; queue, in flight and DLQ depth per route', async () => {
    const h = await harness(ok);
    try {
      await h.produce(['a', 'b', 'c', 'd', 'e']);
      await commitProgress(h, 2n);
      await h.forward('c', 2);
      await h.forward('d', 3);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: h.dlq.url,
          MessageBody: '{}',
          MessageGroupId: 'x',
          MessageDeduplicationId: 'x',
        }),
      );
      const [route] = await status(h.ctx, h.route.name);
      assert.ok(route);
      assert.deepEqual(route.partitions, [
        { topic: h.topic, partition: 0, committed: '2', logEnd: '5', lag: '3' },
      ]);
      assert.deepEqual(route.queue, { visible: 2, inFlight: 0 });
      assert.equal(route.inFlight, 2);
      assert.equal(route.deadLetters, 1);
    } finally {
      await h.stop();
    }
  });

  test('dlq: a record dead-lettered by a 400 is listed, shown, and delivered by a replay once the endpoint is fixed', async () => {
    const h = await harness(
      (request) => (request.key === 'bad' ? { status: 400, body: 'no such customer' } : { status: 200 }),
      { onPoison: 'dlq' },
    );
    try {
      await h.produce(['good', 'bad', 'good']);
      h.runner.start();
      await h.forward('good', 0);
      await h.forward('bad', 1);
      await h.forward('good', 2);
      assert.equal((await waitForCompletion(h, 1)).status, 'dead-lettered');
      await waitForCompletion(h, 2);

      const [list] = await dlqList(h.ctx, h.route.name);
      assert.ok(list);
      assert.equal(list.deadLetters.length, 1);
      const [dead] = list.deadLetters;
      assert.equal(dead?.recordId, `${h.route.name}/${h.topic}/0/1`);
      assert.equal(dead?.key, 'bad');
      assert.match(dead?.reason ?? '', /400/);
      assert.equal(list.dlqDepth, 1);
      assert.equal(
        (await dlqList(h.ctx, h.route.name, { error: 'no such customer' }))[0]?.deadLetters.length,
        1,
      );
      assert.equal((await dlqList(h.ctx, h.route.name, { key: 'other' }))[0]?.deadLetters.length, 0);

      const shown = await dlqShow(h.ctx, `${h.route.name}/${h.topic}/0/1`);
      assert.equal(shown.payloadPreview, 'value of bad');
      assert.equal(shown.attempts[0]?.status, 400);
      assert.equal(shown.attempts[0]?.excerpt, 'no such customer');

      const traced = await trace(h.ctx, `${h.topic}/0/1`, h.route.name);
      assert.equal(traced.state, 'dead-lettered');
      assert.equal(traced.forwarded, true);
      assert.equal(traced.attempts[0]?.status, 400);

      h.setScript(ok);
      const [report] = await dlqReplay(h.ctx, h.route.name, { key: 'bad' });
      assert.equal(report?.records.length, 1);
      assert.equal(report?.records[0]?.outcome, 'sent');
      assert.match(report?.records[0]?.deduplicationId ?? '', /#replay-\d+$/);
      assert.equal(report?.removedFromDlq, 1);
      await waitFor('the replayed record delivered', async () =>
        h.delivered.some((r) => r.recordId === `${h.route.name}/${h.topic}/0/1`) ? true : undefined,
      );
      assert.equal((await waitForReplayOutcome(h, 1)).status, 'delivered');
      assert.equal((await dlqList(h.ctx, h.route.name))[0]?.deadLetters.length, 0);
      assert.equal((await trace(h.ctx, `${h.route.name}/${h.topic}/0/1`)).state, 'delivered');
    } finally {
      await h.stop();
    }
  });

  test('quarantine replay: the endpoint receives the key in offset order, and the quarantine is lifted', async () => {
    let broken = true;
    const h = await harness((request) =>
      broken && request.key === 'k' && request.offset === '1'
        ? { status: 400, body: 'poison' }
        : { status: 200 },
    );
    try {
      const keys = ['k', 'k', 'other', 'k', 'k'];
      await h.produce(keys);
      h.runner.start();
      for (const [offset, key] of keys.entries()) await h.forward(key, offset);
      for (let offset = 0; offset < keys.length; offset++) await waitForCompletion(h, offset);
      assert.equal(
        (await ledgerCompletion(h.completions, h.route.name, h.topic, 0, 1n))?.status,
        'dead-lettered',
      );
      assert.equal((await ledgerCompletion(h.completions, h.route.name, h.topic, 0, 3n))?.status, 'parked');

      const quarantined = await quarantineList(h.ctx, h.route.name);
      assert.equal(quarantined.length, 1);
      assert.equal(quarantined[0]?.key, 'k');
      assert.equal(quarantined[0]?.behind, `${h.route.name}/${h.topic}/0/1`);
      assert.equal(quarantined[0]?.parked, 2);
      assert.equal((await trace(h.ctx, `${h.route.name}/${h.topic}/0/4`)).state, 'parked');

      broken = false;
      const report = await quarantineReplay(h.ctx, h.route.name, 'k', { waitMs: 20_000 });
      assert.deepEqual(
        report.records.map((r) => [r.recordId.split('/').pop(), r.outcome]),
        [
          ['1', 'delivered'],
          ['3', 'delivered'],
          ['4', 'delivered'],
        ],
      );
      assert.deepEqual(report.lifted, ['k']);
      assert.equal(report.removedFromDlq, 1);
      assert.deepEqual(
        h.delivered.filter((r) => r.key === 'k').map((r) => r.offset),
        ['0', '1', '3', '4'],
      );
      assert.deepEqual(await quarantineList(h.ctx, h.route.name), []);
      // The key flows again: a new record of it is delivered, not parked.
      const [next] = await h.produce(['k']);
      await h.forward('k', Number(next));
      assert.equal((await waitForCompletion(h, Number(next))).status, 'delivered');
    } finally {
      await h.stop();
    }
  });

  test('a quarantine replay that fails again keeps the key quarantined behind that record; dlq replay finishes it', async () => {
    let failing = new Set(['1']);
    const h = await harness((request) =>
      request.key === 'k' && failing.has(request.offset) ? { status: 400, body: 'poison' } : { status: 200 },
    );
    try {
      const keys = ['k', 'k', 'k', 'k'];
      await h.produce(keys);
      h.runner.start();
      for (const [offset, key] of keys.entries()) await h.forward(key, offset);
      for (let offset = 0; offset < keys.length; offset++) await waitForCompletion(h, offset);

      // The dead letter is fixed, but a parked record behind it is poison too.
      failing = new Set(['2']);
      const first = await quarantineReplay(h.ctx, h.route.name, 'k', { waitMs: 20_000 });
      assert.deepEqual(
        first.records.map((r) => [r.recordId.split('/').pop(), r.outcome]),
        [
          ['1', 'delivered'],
          ['2', 'dead-lettered'],
          ['3', 'held-back'],
        ],
      );
      assert.deepEqual(first.lifted, []);
      assert.equal(first.stillQuarantined[0]?.key, 'k');
      // The old dead letter left the DLQ; the new one is there.
      assert.equal(first.removedFromDlq, 1);
      const [list] = await dlqList(h.ctx, h.route.name);
      assert.deepEqual(
        list?.deadLetters.map((d) => d.recordId),
        [`${h.route.name}/${h.topic}/0/2`],
      );
      assert.equal(list?.dlqDepth, 1);
      const [quarantined] = await quarantineList(h.ctx, h.route.name);
      assert.equal(quarantined?.behind, `${h.route.name}/${h.topic}/0/2`);
      assert.equal(quarantined?.parked, 1);

      failing = new Set();
      const [second] = await dlqReplay(h.ctx, h.route.name, {}, { waitMs: 20_000 });
      assert.deepEqual(
        second?.records.map((r) => [r.recordId.split('/').pop(), r.outcome]),
        [
          ['2', 'delivered'],
          ['3', 'delivered'],
        ],
      );
      assert.deepEqual(second?.lifted, ['k']);
      assert.equal(second?.removedFromDlq, 1);
      assert.deepEqual(
        h.delivered.filter((r) => r.key === 'k').map((r) => r.offset),
        ['0', '1', '2', '3'],
      );
      assert.deepEqual(await quarantineList(h.ctx, h.route.name), []);
    } finally {
      await h.stop();
    }
  });

  test('dlq replay puts an expired claim-check value back from the archive', async () => {
    const h = await harness((request) => (request.key === 'big' ? { status: 400 } : { status: 200 }), {
      onPoison: 'dlq',
    });
    try {
      await h.produce(['big']);
      const value = Buffer.from('a value that travelled through S3');
      const pointer = {
        bucket,
        key: `payloads/${h.route.name}/${h.topic}/0/0`,
        size: value.byteLength,
        sha256: createHash('sha256').update(value).digest('base64'),
      };
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: pointer.key, Body: value }));
      const envelope: Envelope = {
        route: h.route.name,
        topic: h.topic,
        partition: 0,
        offset: '0',
        from: '0',
        timestamp: String(Date.now()),
        key: Buffer.from('big'),
        headers: [],
        value: { s3: pointer },
      };
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: h.queue.url,
          MessageBody: encodeEnvelope(envelope),
          MessageGroupId: 'big',
          MessageDeduplicationId: deduplicationId(envelope),
        }),
      );
      h.runner.start();
      assert.equal((await waitForCompletion(h, 0)).status, 'dead-lettered');
      // The claim check expires (lifecycle rule) before the operator replays.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: pointer.key }));
      h.setScript(ok);
      const [report] = await dlqReplay(h.ctx, h.route.name);
      assert.equal(report?.records[0]?.outcome, 'sent');
      assert.equal((await waitForReplayOutcome(h, 0)).status, 'delivered');
      const request = h.delivered.find((r) => r.key === 'big');
      assert.ok(request);
      const decoded = decodeEnvelope(request.body.toString('utf8'));
      assert.deepEqual(decoded.value, { inline: value });
    } finally {
      await h.stop();
    }
  });

  test('dlq show and replay of a record claim check: the real key and headers, the expired object restored', async () => {
    const h = await harness((request) => (request.key === 'fat' ? { status: 400 } : { status: 200 }), {
      onPoison: 'dlq',
    });
    try {
      await h.produce(['fat']);
      // Key and headers too large for SQS: the poller put the whole record in S3.
      const content: RecordContent = {
        key: Buffer.from('fat'),
        headers: [
          ['note', Buffer.from('hi')],
          ['blob', Buffer.from([0xff, 0x00, 0x10])],
        ],
        value: Buffer.from('the value'),
      };
      const object = encodeRecordObject(content);
      const pointer = {
        bucket,
        key: `payloads/${h.route.name}/${h.topic}/0/0.record`,
        size: object.byteLength,
        sha256: createHash('sha256').update(object).digest('base64'),
      };
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: pointer.key, Body: object }));
      const envelope: Envelope = {
        route: h.route.name,
        topic: h.topic,
        partition: 0,
        offset: '0',
        from: '0',
        timestamp: String(Date.now()),
        key: null,
        headers: [],
        value: { record: pointer },
      };
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: h.queue.url,
          MessageBody: encodeEnvelope(envelope),
          MessageGroupId: 'fat',
          MessageDeduplicationId: deduplicationId(envelope),
        }),
      );
      h.runner.start();
      assert.equal((await waitForCompletion(h, 0)).status, 'dead-lettered');
      // The claim check expires (lifecycle rule) before the operator looks and replays.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: pointer.key }));

      const [list] = await dlqList(h.ctx, h.route.name);
      assert.equal(list?.deadLetters[0]?.key, 'fat');
      const shown = await dlqShow(h.ctx, `${h.route.name}/${h.topic}/0/0`);
      assert.equal(shown.key, 'fat');
      assert.equal(shown.keyProblem, null);
      assert.deepEqual(shown.headers, [
        { name: 'note', value: 'hi' },
        { name: 'blob', value: Buffer.from([0xff, 0x00, 0x10]).toString('utf8') },
      ]);
      assert.equal(shown.payloadPreview, 'the value');

      h.setScript(ok);
      const [report] = await dlqReplay(h.ctx, h.route.name, { key: 'fat' });
      assert.equal(report?.records[0]?.outcome, 'sent');
      assert.equal(report?.records[0]?.key, 'fat');
      assert.equal((await waitForReplayOutcome(h, 0)).status, 'delivered');
      const request = h.delivered.find((r) => r.key === 'fat');
      assert.ok(request);
      const decoded = decodeEnvelope(request.body.toString('utf8'));
      assert.deepEqual(decoded.headers, content.headers);
      assert.deepEqual(decoded.value, { inline: content.value });
    } finally {
      await h.stop();
    }
  });

  test('trace: a delivered record, committed once the progress group passes it', async () => {
    const h = await harness(ok);
    try {
      await h.produce(['a', 'b']);
      h.runner.start();
      await h.forward('a', 0);
      await waitForCompletion(h, 0);
      const before = await trace(h.ctx, `${h.route.name}/${h.topic}/0/0`);
      assert.equal(before.state, 'delivered');
      assert.equal(before.committed, false);
      assert.equal(before.completion?.attempts, 1);
      await commitProgress(h, 1n);
      const afterCommit = await trace(h.ctx, `${h.topic}/0/0`, h.route.name);
      assert.equal(afterCommit.committed, true);
      assert.equal(afterCommit.committedOffset, '1');
      assert.equal((await trace(h.ctx, `${h.route.name}/${h.topic}/0/1`)).state, 'in-flight');
      assert.equal((await trace(h.ctx, `${h.route.name}/${h.topic}/0/7`)).state, 'not-produced');
    } finally {
      await h.stop();
    }
  });

  test('reset: moves the progress group to an offset or a time', async () => {
    const h = await harness(ok);
    try {
      const startedAt = Date.now();
      await h.produce(['a', 'b', 'c', 'd']);
      // The four records finished and were committed; their completions wait for their TTL.
      await completeDelivered(h.completions, { route: h.route.name, topic: h.topic }, [0n, 1n, 2n, 3n]);
      await commitProgress(h, 4n);
      const moved = await reset(h.ctx, h.route.name, { to: { offset: 1n } });
      assert.deepEqual(moved.moves, [
        { topic: h.topic, partition: 0, before: '4', after: '1', completionsRemoved: 3 },
      ]);
      // Records 1-3 are delivered again when forwarded again; record 0 stays done.
      const left = await Promise.all(
        [0n, 1n, 2n, 3n].map((from) => h.completions.get(h.route.name, h.topic, 0, from)),
      );
      assert.deepEqual(
        left.map((c) => c?.offset),
        [0n, undefined, undefined, undefined],
      );
      const [after1] = await status(h.ctx, h.route.name);
      assert.equal(after1?.partitions[0]?.committed, '1');
      assert.equal(after1?.partitions[0]?.lag, '3');
      const byTime = await reset(h.ctx, h.route.name, { to: { time: startedAt - 60_000 }, partition: 0 });
      assert.equal(byTime.moves[0]?.after, '0');
      assert.equal(byTime.moves[0]?.completionsRemoved, 1);
      const future = await reset(h.ctx, h.route.name, { to: { time: Date.now() + 3_600_000 } });
      assert.equal(future.moves[0]?.after, '4');
      assert.equal(future.moves[0]?.completionsRemoved, 0, 'moving forward removes nothing');
      await assert.rejects(reset(h.ctx, h.route.name, { to: { offset: 99n } }), /outside/);
    } finally {
      await h.stop();
    }
  });

  test('the command line: --json output, one-line errors naming the fix', async () => {
    const h = await harness(ok);
    const dir = await mkdtemp(join(tmpdir(), 'cli-config-'));
    try {
      const configFile = join(dir, 'bridge.config.mjs');
      const input = {
        kafka: { brokers: kafkaBrokers() },
        routes: [{ name: h.route.name, topics: [h.topic], endpoint: { type: 'http', url: h.endpoint.url } }],
      };
      await writeFile(configFile, `export default ${JSON.stringify(input)};\n`);
      await h.produce(['a']);
      const out: string[] = [];
      const err: string[] = [];
      const io = {
        out: (text: string) => out.push(text),
        err: (text: string) => err.push(text),
        env: cliEnv({ table, bucket }),
      };
      assert.equal(await main(['status', '--config', configFile, '--json'], io), 0, err.join('\n'));
      const parsed = JSON.parse(out.join('\n')) as { route: string; partitions: { logEnd: string }[] }[];
      assert.equal(parsed[0]?.route, h.route.name);
      assert.equal(parsed[0]?.partitions[0]?.logEnd, '1');

      out.length = 0;
      assert.equal(await main(['status', '--config', configFile], io), 0, err.join('\n'));
      assert.match(out.join('\n'), /committed\s+log end\s+lag/);

      assert.equal(await main(['status', '--config', configFile, '--route', 'nope'], io), 1);
      assert.equal(err.at(-1), `kafka-bridge: unknown route "nope": the config has ${h.route.name}`);

      const down = { ...io, env: { ...io.env, AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9' } };
      assert.equal(await main(['dlq', 'list', '--config', configFile], down), 1);
      assert.match(
        err.at(-1) ?? '',
        /cannot reach SQS at http:\/\/127\.0\.0\.1:9: start the local emulators with `bash scripts\/infra\.sh up`/,
      );

      assert.equal(
        await main(['dlq', 'show', `${h.topic}/0/0`, '--route', h.route.name, '--config', configFile], io),
        1,
      );
      assert.match(err.at(-1) ?? '', /was not dead-lettered or parked \(try kafka-bridge trace /);

      out.length = 0;
      assert.equal(
        await main(['trace', `${h.route.name}/${h.topic}/0/0`, '--config', configFile], io),
        0,
        err.join('\n'),
      );
      assert.match(out.join('\n'), /state\s+in-flight/);

      assert.equal(await main(['frobnicate', '--config', configFile], io), 2);
      assert.equal(await main(['status', '--config', join(dir, 'missing.ts')], io), 1);
      assert.match(
        err.at(-1) ?? '',
        /config file .*missing\.ts does not exist: pass the path of your bridge\.config\.ts/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await h.stop();
    }
  });
});
