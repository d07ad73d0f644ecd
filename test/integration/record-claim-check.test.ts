// Records whose key and headers alone exceed SQS's 1 MiB limit (docs/reliability.md, known
// gaps): the poller puts the whole record in S3 (record claim check) and the deliverer resolves
// key, headers and value before calling the endpoint. Real broker, ElasticMQ and moto; the
// deliverer runs through the local event source runner, as in deliver.test.ts.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Producer } from 'kafkajs';
import { Archive, type ArchiveRecord, archivedEnvelope } from '../../lib/archive/archive.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { parseBridgeConfig, payloadPrefix, type Route } from '../../lib/config/index.ts';
import {
  decodeEnvelope,
  decodeRecordObject,
  deduplicationId,
  type Envelope,
  encodeEnvelope,
  encodeRecordObject,
  type KafkaHeader,
  messageGroupId,
  type RecordContent,
} from '../../lib/envelope/index.ts';
import { RoutePoller } from '../../lib/poller/index.ts';
import {
  assertReachable,
  awsEndpoint,
  uniqueName as awsUniqueName,
  dynamoClient,
  type FifoQueue,
  lambdaClient,
  s3Client,
  secretsClient,
  sqsClient,
  sqsEndpoint,
} from '../support/aws.ts';
import { ledgerCompletion } from '../support/completions.ts';
import { deliverRoute } from '../support/deliver.ts';
import { type Script, TestEndpoint } from '../support/endpoint.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  deleteTopics,
  uniqueName,
} from '../support/kafka.ts';
import { eventually } from '../support/wait.ts';

let sqs: SQSClient;
let s3: S3Client;
let dynamo: DynamoDBClient;
let producer: Producer;
let bucket: string;
let table: string;
const topics: string[] = [];
const stops: (() => Promise<void>)[] = [];

before(async () => {
  await assertKafkaReachable();
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  sqs = sqsClient();
  s3 = s3Client();
  dynamo = dynamoClient();
  producer = createKafka('record-claim-producer').producer();
  await producer.connect();
  bucket = awsUniqueName('claims');
  table = awsUniqueName('completions');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await dynamo.send(new CreateTableCommand(completionTableDefinition(table)));
});

after(async () => {
  for (const stop of stops.reverse()) await stop();
  await producer?.disconnect();
  await deleteTopics(topics);
  sqs.destroy();
  s3.destroy();
  dynamo.destroy();
});

interface Bridge {
  readonly route: Route;
  readonly topic: string;
  readonly queue: FifoQueue;
  readonly endpoint: TestEndpoint;
  readonly completions: CompletionStore;
  readonly errors: unknown[];
}

/** A route on a new topic: its queues, an endpoint answering `script`, and a running deliverer. */
async function bridge(script: Script): Promise<Bridge> {
  const topic = uniqueName('record-claim');
  topics.push(topic);
  await createTopic(topic, 1);
  const endpoint = await TestEndpoint.start(script);
  const name = awsUniqueName('rc');
  const config = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      {
        name,
        topics: [topic],
        endpoint: { type: 'http', url: endpoint.url, timeoutMs: 5_000 },
        retry: { attempts: 2, inProcessAttempts: 2, baseMs: 50, maxMs: 200, jitter: 'none' },
      },
    ],
  });
  const route = config.routes[0];
  assert.ok(route);
  const { queue, runner, errors } = await deliverRoute(name, {
    route,
    bucket,
    completionTable: table,
    clients: { sqs, s3, dynamo, secrets: secretsClient(), lambda: lambdaClient() },
  });
  runner.start();
  stops.push(async () => {
    await runner.stop();
    await endpoint.stop();
  });
  return {
    route,
    topic,
    queue,
    endpoint,
    completions: new CompletionStore({ client: dynamo, tableName: table }),
    errors,
  };
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  eventually(what, probe, { timeoutMs, intervalMs: 200 });

/**
 * Sends a record claim check for `content` to the route's queue, as the poller would, with
 * `object` stored as its S3 object (none when undefined: an expired claim check).
 */
async function sendClaimed(
  b: Bridge,
  offset: number,
  content: RecordContent,
  object: Buffer | undefined,
): Promise<Envelope> {
  const key = `${payloadPrefix(b.route)}${b.topic}/0/${offset}.record`;
  if (object !== undefined) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: object }));
  const stored = encodeRecordObject(content);
  const envelope: Envelope = {
    route: b.route.name,
    topic: b.topic,
    partition: 0,
    offset: String(offset),
    from: String(offset),
    timestamp: String(Date.now()),
    key: null,
    headers: [],
    value: {
      record: {
        bucket,
        key,
        size: stored.byteLength,
        sha256: createHash('sha256').update(stored).digest('base64'),
      },
    },
  };
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: b.queue.url,
      MessageBody: encodeEnvelope(envelope),
      MessageGroupId: messageGroupId({
        key: content.key,
        partition: 0,
        offset: String(offset),
        ordering: 'key',
      }),
      MessageDeduplicationId: deduplicationId(envelope),
    }),
  );
  return envelope;
}

async function archived(b: Bridge, offset: number): Promise<ArchiveRecord> {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: Archive.keyOf(b.route.name, b.topic, 0, String(offset)) }),
  );
  return JSON.parse((await out.Body?.transformToString('utf8')) ?? '') as ArchiveRecord;
}

describe('record claim checks', { concurrency: 1 }, () => {
  test('a record with 900 KiB of headers and a 64 KiB key is forwarded and delivered in key order, byte for byte', async () => {
    // Prepare
    const b = await bridge(() => ({ status: 200, body: 'ok' }));
    const key = Buffer.from(`order-${'k'.repeat(64 * 1024)}`);
    const bigHeaders: KafkaHeader[] = [
      ['blob', randomBytes(450 * 1024)],
      ['text', Buffer.from('x'.repeat(450 * 1024))],
    ];
    const bigValue = Buffer.from('{"big":true}');
    await producer.send({
      topic: b.topic,
      messages: [
        { partition: 0, key, value: 'before' },
        {
          partition: 0,
          key,
          value: bigValue,
          headers: Object.fromEntries(bigHeaders.map(([name, value]) => [name, value ?? ''])),
        },
        { partition: 0, key, value: 'after' },
        { partition: 0, key: 'other', value: 'other key' },
      ],
    });
    const poller = new RoutePoller({
      route: b.route,
      kafka: createKafka(`poller-${b.route.name}`),
      sqs,
      s3,
      queueUrl: b.queue.url,
      payloadBucket: bucket,
      progressPollMs: 500,
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 10_000,
    });
    stops.push(() => poller.stop());

    // Act
    await poller.start();
    await waitFor('4 completions', async () => {
      const done = await Promise.all(
        [0, 1, 2, 3].map((offset) =>
          ledgerCompletion(b.completions, b.route.name, b.topic, 0, BigInt(offset)),
        ),
      );
      return done.every((c) => c !== undefined) ? done : undefined;
    });
    await poller.stop();

    // Assess
    const ofKey = b.endpoint.received
      .map((request) => decodeEnvelope(request.body.toString('utf8')))
      .filter((envelope) => envelope.key?.equals(key) === true);
    assert.deepEqual(
      ofKey.map((envelope) => envelope.offset),
      ['0', '1', '2'],
      'every record of the key, once, in order',
    );
    const big = ofKey[1];
    assert.ok(big !== undefined);
    assert.ok(big.key?.equals(key), 'the key is byte-identical');
    assert.deepEqual(big.headers, bigHeaders, 'the headers are byte-identical');
    assert.deepEqual(big.value, { inline: bigValue });
    const statuses = await Promise.all(
      [0, 1, 2, 3].map(
        async (offset) =>
          (await ledgerCompletion(b.completions, b.route.name, b.topic, 0, BigInt(offset)))?.status,
      ),
    );
    assert.deepEqual(statuses, ['delivered', 'delivered', 'delivered', 'delivered']);
    // It went as a record claim check: the whole record is the object next to the value's place.
    const stored = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: `${payloadPrefix(b.route)}${b.topic}/0/1.record` }),
    );
    const record = decodeRecordObject(
      (await stored.Body?.transformToByteArray()) ?? new Uint8Array(),
      'test',
    );
    assert.ok(record.key?.equals(key));
    assert.deepEqual(record.headers, bigHeaders);
    assert.deepEqual(b.errors, []);
  });

  test('a record claim check that fails delivery is archived with its record; a missing or altered object dead-letters with the reason', async () => {
    // Prepare
    const b = await bridge((request) =>
      request.offset === '0' ? { status: 400, body: 'no' } : { status: 200 },
    );
    const content: RecordContent = {
      key: Buffer.from([0xff, 0x00, 0x41]),
      headers: [
        ['h', randomBytes(1000)],
        ['none', null],
      ],
      value: null,
    };
    const object = encodeRecordObject(content);
    const altered = Buffer.from(object);
    altered.writeUInt8(altered.readUInt8(altered.length - 5) ^ 1, altered.length - 5);

    // Act
    const rejected = await sendClaimed(b, 0, content, object);
    await sendClaimed(b, 1, { ...content, key: Buffer.from('k1') }, undefined);
    await sendClaimed(b, 2, { ...content, key: Buffer.from('k2') }, altered);
    const done = await waitFor('3 completions', async () => {
      const all = await Promise.all(
        [0, 1, 2].map((offset) => ledgerCompletion(b.completions, b.route.name, b.topic, 0, BigInt(offset))),
      );
      return all.every((c) => c !== undefined) ? all : undefined;
    });

    // Assess
    assert.deepEqual(
      done.map((c) => c?.status),
      ['dead-lettered', 'dead-lettered', 'dead-lettered'],
    );
    const first = await archived(b, 0);
    assert.ok(typeof first.recordBase64 === 'string', 'the archive keeps the record object');
    const resolved = archivedEnvelope(first, decodeEnvelope(first.body));
    assert.ok('envelope' in resolved, 'problem' in resolved ? resolved.problem : '');
    assert.deepEqual(resolved.envelope.key, content.key);
    assert.deepEqual(resolved.envelope.headers, content.headers);
    assert.equal(resolved.envelope.value, null);
    assert.deepEqual(decodeEnvelope(first.body), rejected, 'the archive keeps the body as sent');
    assert.equal(b.endpoint.received[0]?.key, content.key?.toString('utf8'), 'the endpoint saw the real key');
    assert.match(
      (await archived(b, 1)).reason,
      /^claim check s3:\/\/.*\/1\.record does not exist \(expired or deleted\?\)$/,
    );
    assert.match(
      (await archived(b, 2)).reason,
      /^claim check s3:\/\/.*\/2\.record has SHA-256 .*, the envelope says/,
    );
    assert.equal(
      b.endpoint.received.filter((request) => request.offset !== '0').length,
      0,
      'no record with a bad object reached the endpoint',
    );
  });
});
