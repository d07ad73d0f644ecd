// A route's filter stage against the real broker and ElasticMQ: filtered records never reach
// SQS, the forwarded ones' `from` covers them (walked with the commit function's own chain,
// lib/commit/chain.ts), and a filtered tail is committed up to the log end (docs/architecture.md I4).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Producer } from 'kafkajs';
import { advanceCommitted } from '../../lib/commit/chain.ts';
import { parseBridgeConfig, progressGroupId, type Route } from '../../lib/config/index.ts';
import { decodeEnvelope, type Envelope } from '../../lib/envelope/index.ts';
import { KafkaOffsets } from '../../lib/kafka/offsets.ts';
import { RoutePoller, type RouteStages } from '../../lib/poller/index.ts';
import { uniqueName as awsName, createFifoQueue, s3Client, sqsClient } from '../support/aws.ts';
import { createKafka, createTopic, deleteTopics, kafkaBrokers, uniqueName } from '../support/kafka.ts';
import { eventually } from '../support/wait.ts';

let sqs: SQSClient;
let producer: Producer;
let offsets: KafkaOffsets;
const topics: string[] = [];
const pollers: RoutePoller[] = [];

async function filteredRoute(partitions: number, records: number, stages: RouteStages) {
  const topic = uniqueName('filter');
  topics.push(topic);
  await createTopic(topic, partitions);
  const name = awsName('flt');
  const config = parseBridgeConfig({
    kafka: { brokers: kafkaBrokers() },
    routes: [{ name, topics: [topic], endpoint: { type: 'http', url: 'http://127.0.0.1:8787/unused' } }],
  });
  const route = config.routes[0] as Route;
  const queue = await createFifoQueue(sqs, name, { DeduplicationScope: 'messageGroup' });
  for (let partition = 0; partition < partitions; partition++) {
    const messages = Array.from({ length: records }, (_, i) => ({
      key: `k${i % 7}`,
      value: `{"n":${i}}`,
      partition,
    }));
    await producer.send({ topic, messages });
  }
  const poller = new RoutePoller({
    route,
    kafka: createKafka(`poller-${name}`),
    sqs,
    s3: s3Client(),
    queueUrl: queue.url,
    payloadBucket: undefined,
    progressPollMs: 200,
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 10_000,
    stages,
  });
  pollers.push(poller);
  await poller.start();
  return { route, topic, queueUrl: queue.url, poller };
}

async function drain(queueUrl: string): Promise<Envelope[]> {
  const envelopes: Envelope[] = [];
  for (let empty = 0; empty < 2; ) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
    );
    const messages = answer.Messages ?? [];
    empty = messages.length === 0 ? empty + 1 : 0;
    if (messages.length === 0) continue;
    envelopes.push(...messages.map((m) => decodeEnvelope(m.Body ?? '')));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return envelopes;
}

/** Waits until the route's progress group stands at `expected` for each partition. */
async function committedReaches(
  route: Route,
  topic: string,
  expected: ReadonlyMap<number, bigint>,
): Promise<void> {
  let seen = new Map<number, bigint>();
  await eventually(
    `progress group at ${JSON.stringify([...expected].map(([p, o]) => [p, o.toString()]))}`,
    async () => {
      seen = await offsets.committed(progressGroupId(route), topic);
      return [...expected].every(([p, o]) => seen.get(p) === o) ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  ).catch((error: unknown) => {
    throw new Error(
      `${(error as Error).message}; last read ${JSON.stringify([...seen].map(([p, o]) => [p, o.toString()]))}`,
    );
  });
}

before(async () => {
  sqs = sqsClient();
  producer = createKafka('filter-test-producer').producer();
  await producer.connect();
  offsets = new KafkaOffsets(createKafka('filter-test-offsets'));
  await offsets.connect();
});

after(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
  await producer.disconnect();
  await offsets.disconnect();
  await deleteTopics(topics);
});

describe('poller filter stage', { concurrency: 1 }, () => {
  test('a route that filters every record sends nothing and still commits up to the log end', async () => {
    // Prepare, Act
    const f = await filteredRoute(2, 300, { filter: () => false });

    // Assess
    await committedReaches(
      f.route,
      f.topic,
      new Map([
        [0, 300n],
        [1, 300n],
      ]),
    );
    assert.deepEqual(await drain(f.queueUrl), []);
    assert.deepEqual(
      f.poller.status().partitions.map((p) => [p.partition, p.next, p.filtered, p.forwarded]),
      [
        [0, '300', 300, 0],
        [1, '300', 300, 0],
      ],
    );
  });

  test('forwarded records cover the filtered ones before them; a filtered tail is committed once they finish', async () => {
    // Prepare: offsets 1, 4, ..., 97 pass; 98 and 99 are a filtered tail
    const f = await filteredRoute(1, 100, { filter: (r) => r.offset % 3n === 1n });

    // Act: everything forwarded reaches the queue; then the commit function would walk its completions
    let received: Envelope[] = [];
    await eventually(
      'the 33 forwarded records',
      async () => {
        received.push(...(await drain(f.queueUrl)));
        return received.length >= 33 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    received = received.toSorted((a, b) => Number(a.offset) - Number(b.offset));
    const walk = advanceCommitted(
      0n,
      received.map((e) => ({ from: BigInt(e.from), offset: BigInt(e.offset) })),
    );
    const committedBefore = (await offsets.committed(progressGroupId(f.route), f.topic)).get(0);
    await offsets.commit(progressGroupId(f.route), f.topic, new Map([[0, walk.committed]]));

    // Assess
    assert.deepEqual(
      received.map((e) => Number(e.offset)),
      Array.from({ length: 33 }, (_, i) => 1 + 3 * i),
    );
    assert.deepEqual(
      received.slice(0, 3).map((e) => e.from),
      ['0', '2', '5'],
    );
    assert.equal(
      walk.committed,
      98n,
      "the forwarded records' from chain passes every filtered record between them",
    );
    assert.equal(committedBefore, 0n, 'nothing passes a forwarded record before it finished');
    await committedReaches(f.route, f.topic, new Map([[0, 100n]]));
  });
});
