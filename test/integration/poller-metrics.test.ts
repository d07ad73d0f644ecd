// functions/poller.ts as a child process against the real Kafka broker, ElasticMQ and moto: its
// metrics as EMF lines on stdout and as Prometheus text on the health port (GET /metrics), and a
// Kafka `traceparent` header kept in the envelope it queues (the deliverer sends it on).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Producer } from 'kafkajs';
import { traceparentOf } from '../../lib/deliver/http-target.ts';
import { decodeEnvelope, type Envelope } from '../../lib/envelope/index.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../lib/poller/prometheus.ts';
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

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let producer: Producer;
let sqs: SQSClient;
let bucket: string;
const topics: string[] = [];
const children: ChildProcess[] = [];

interface PollerChild {
  readonly child: ChildProcess;
  readonly healthPort: Promise<number>;
  /** Every JSON line it printed on stdout so far. */
  readonly lines: Record<string, unknown>[];
}

function spawnPoller(routeName: string, topic: string, more: Record<string, unknown> = {}): PollerChild {
  const config = {
    kafka: { brokers: kafkaBrokers() },
    routes: [
      {
        name: routeName,
        topics: [topic],
        endpoint: { type: 'http', url: 'http://127.0.0.1:8787/unused' },
        maxInFlight: 10_000,
        ...more,
      },
    ],
  };
  const child = spawn(process.execPath, ['functions/poller.ts'], {
    env: pollerProcessEnv(config, bucket, { metricsIntervalMs: 500, progressPollMs: 500 }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  const healthPort = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (process.env.POLLER_TEST_LOG === '1') process.stderr.write(chunk);
      const text = partial + chunk.toString();
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) {
        if (line.trim() === '') continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed.message === 'health endpoint listening' && typeof parsed.port === 'number')
          resolve(parsed.port);
      }
    });
    child.once('exit', (code) => reject(new Error(`poller exited (${code}) before listening: ${errors}`)));
  });
  healthPort.catch(() => undefined);
  return { child, healthPort, lines };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function scrape(port: number): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** Scrapes until `done` holds for the text (or fails with the last text seen). */
async function scrapeUntil(
  port: number,
  done: (text: string) => boolean,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = (await scrape(port)).text;
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the metrics; last scrape:\n${last}`);
    await sleep(250);
  }
}

async function receiveAll(queueUrl: string, expected: number): Promise<Envelope[]> {
  const found: Envelope[] = [];
  const deadline = Date.now() + 15_000;
  while (found.length < expected && Date.now() < deadline) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of answer.Messages ?? []) found.push(decodeEnvelope(message.Body ?? ''));
  }
  return found;
}

before(async () => {
  await assertKafkaReachable();
  await assertReachable(sqsEndpoint(), 'ElasticMQ');
  await assertReachable(awsEndpoint(), 'moto');
  producer = createKafka('poller-metrics-test').producer();
  await producer.connect();
  sqs = sqsClient();
  bucket = awsUniqueName('payloads');
  await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
});

after(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await producer?.disconnect();
  await deleteTopics(topics);
});

describe('poller metrics', () => {
  test('EMF lines on stdout and Prometheus text on GET /metrics; traceparent reaches the queue', async () => {
    // Prepare: 2 partitions, 30 and 20 records, no deliverer (nothing commits: all stay in flight)
    const topic = uniqueName('pmetrics');
    topics.push(topic);
    await createTopic(topic, 2);
    const route = awsUniqueName('pm');
    const queue = await createFifoQueue(sqs, route, { DeduplicationScope: 'messageGroup' });
    const counts = [30, 20];
    await producer.send({
      topic,
      messages: counts.flatMap((count, partition) =>
        Array.from({ length: count }, (_, i) => ({
          partition,
          key: `k-${partition}-${i % 5}`,
          value: `value ${partition}/${i}`,
          headers: { traceparent: TRACEPARENT },
        })),
      ),
    });

    // Act
    const poller = spawnPoller(route, topic);
    const port = await poller.healthPort;
    const labels = (partition: number) => `route="${route}",topic="${topic}",partition="${partition}"`;
    const text = await scrapeUntil(port, (t) =>
      counts.every((count, p) => t.includes(`mps_buffer_size{${labels(p)}} ${count}\n`)),
    );
    const { status, type } = await scrape(port);
    const notFound = await fetch(`http://127.0.0.1:${port}/nothing`);
    await notFound.text();
    await sleep(1_200); // at least one EMF emission after everything was forwarded
    const queued = await receiveAll(queue.url, 50);
    poller.child.kill('SIGTERM');
    const code = await exited(poller.child);

    // Assess: Prometheus text
    assert.equal(status, 200);
    assert.equal(type, PROMETHEUS_CONTENT_TYPE);
    assert.equal(notFound.status, 404);
    const lines = text.split('\n');
    for (const expected of [
      '# TYPE mps_poller_heartbeat gauge',
      `mps_poller_heartbeat{route="${route}"} 1`,
      '# TYPE mps_reader_poll_count_total counter',
      `mps_reader_poll_count_total{route="${route}"} 50`,
      '# TYPE mps_buffer_size gauge',
      ...counts.flatMap((count, p) => [
        `mps_poller_forwarded_total{${labels(p)}} ${count}`,
        `mps_buffer_size{${labels(p)}} ${count}`,
        `mps_poller_next_offset{${labels(p)}} ${count}`,
        `mps_poller_committed_offset{${labels(p)}} 0`,
        `mps_poller_lost_total{${labels(p)}} 0`,
        `mps_poller_paused{${labels(p)},reason="positioning"} 0`,
        `mps_poller_paused{${labels(p)},reason="in-flight"} 0`,
        `mps_poller_paused{${labels(p)},reason="rate"} 0`,
      ]),
    ]) {
      assert.ok(lines.includes(expected), `missing line ${JSON.stringify(expected)} in:\n${text}`);
    }
    // Assess: EMF lines, one per route and emission, with the route dimension
    const emf = poller.lines.filter((l) => '_aws' in l && l.route === route);
    assert.ok(emf.length > 0, 'EMF lines were printed');
    const lastEmf = emf.at(-1) as Record<string, unknown>;
    assert.equal(lastEmf['mps.poller.heartbeat'], 1);
    assert.equal(lastEmf['mps.buffer.size'], 50);
    const polled = emf.reduce((sum, l) => sum + Number(l['mps.reader.poll.count']), 0);
    assert.equal(polled, 50, 'the poll counts of all emissions add up to the records forwarded');
    // Assess: the header travelled in the envelope (the deliverer sends it on, deliver.test.ts)
    assert.equal(queued.length, 50);
    assert.ok(queued.every((envelope) => traceparentOf(envelope) === TRACEPARENT));
    assert.equal(code, 0);
  });

  test("a route's filter: filtered records counted in EMF (mps.poller.filtered.count) and Prometheus, never queued", async () => {
    // Prepare: 1 partition, 40 records of which every fourth passes route.filter
    const topic = uniqueName('pmfilter');
    topics.push(topic);
    await createTopic(topic, 1);
    const route = awsUniqueName('pmf');
    const queue = await createFifoQueue(sqs, route, { DeduplicationScope: 'messageGroup' });
    await producer.send({
      topic,
      messages: Array.from({ length: 40 }, (_, n) => ({
        key: `k${n % 3}`,
        value: JSON.stringify({ n, keep: n % 4 === 0 }),
      })),
    });

    // Act
    const poller = spawnPoller(route, topic, { filter: { value: { keep: [true] } } });
    const port = await poller.healthPort;
    const labels = `route="${route}",topic="${topic}",partition="0"`;
    const text = await scrapeUntil(port, (t) => t.includes(`mps_poller_filtered_total{${labels}} 30\n`));
    await sleep(1_200); // at least one EMF emission after everything was read
    const queued = await receiveAll(queue.url, 10);
    poller.child.kill('SIGTERM');
    await exited(poller.child);

    // Assess
    assert.ok(text.includes(`mps_poller_forwarded_total{${labels}} 10\n`), text);
    const emf = poller.lines.filter((l) => '_aws' in l && l.route === route);
    const filtered = emf.reduce((sum, l) => sum + Number(l['mps.poller.filtered.count']), 0);
    assert.equal(filtered, 30, 'the filtered counts of all emissions add up to the records filtered');
    assert.equal(emf.at(-1)?.['mps.poller.registry.held'], 0);
    assert.deepEqual(
      queued.map((e) => e.offset).sort((a, b) => Number(a) - Number(b)),
      ['0', '4', '8', '12', '16', '20', '24', '28', '32', '36'],
    );
  });
});
