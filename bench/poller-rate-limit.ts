// What the poller forwards under a route rate limit (docs/benchmarks.md, "Poller rate limit"):
// a route limited to `--perSecond` records/s with a burst of `--burst`, 2 partitions, enough
// records queued in Kafka, the in-process RoutePoller forwarding to a local SQS FIFO queue. It
// counts what was forwarded over `--seconds` after the first record (a reading at the window's
// start, so the burst is counted once) against the limit, and writes
// bench/results/poller-rate-limit.json. The test (test/integration/poller.test.ts) asserts only
// that the limit holds. `npm run bench:poller-rate-limit`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { Message } from 'kafkajs';
import { parseBridgeConfig } from '../lib/config/index.ts';
import { RoutePoller } from '../lib/poller/index.ts';
import { uniqueName as awsUniqueName, createFifoQueue, s3Client, sqsClient } from '../test/support/aws.ts';
import { createKafka, createTopic, deleteTopics, kafkaBrokers, uniqueName } from '../test/support/kafka.ts';
import { exitIfArgsCheck, numericArgs } from './lib/args.ts';

const args = numericArgs({ perSecond: 40, burst: 10, seconds: 10 });
exitIfArgsCheck();
const PARTITIONS = 2;
const records = Math.ceil(args.perSecond * args.seconds * 2 + args.burst);

const sqs = sqsClient();
const s3 = s3Client();
const kafka = createKafka('bench-rate-limit');
const topic = uniqueName('bench-rate');
await createTopic(topic, PARTITIONS);
const bucket = awsUniqueName('bench-rate');
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
const name = awsUniqueName('rate');
const route = parseBridgeConfig({
  kafka: { brokers: kafkaBrokers() },
  routes: [
    {
      name,
      topics: [topic],
      endpoint: { type: 'http', url: 'http://127.0.0.1:8787/unused' },
      maxInFlight: records,
      rateLimit: { perSecond: args.perSecond, burst: args.burst },
    },
  ],
}).routes[0];
if (route === undefined) throw new Error('no route');
const queue = await createFifoQueue(sqs, name, { DeduplicationScope: 'messageGroup' });
const producer = kafka.producer();
await producer.connect();
const messages: Message[] = Array.from({ length: records }, (_, i) => ({
  partition: i % PARTITIONS,
  key: `key-${i % 50}`,
  value: `value ${i}`,
}));
for (let i = 0; i < messages.length; i += 500)
  await producer.send({ topic, messages: messages.slice(i, i + 500) });
await producer.disconnect();

const poller = new RoutePoller({
  route,
  kafka,
  sqs,
  s3,
  queueUrl: queue.url,
  payloadBucket: bucket,
  progressPollMs: 500,
  sessionTimeoutMs: 6_000,
  rebalanceTimeoutMs: 10_000,
});
const total = (): number => poller.status().partitions.reduce((sum, p) => sum + p.forwarded, 0);
try {
  await poller.start();
  while (total() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const started = Date.now();
  const before = total();
  await new Promise((resolve) => setTimeout(resolve, args.seconds * 1_000));
  const forwarded = total() - before;
  const elapsedS = (Date.now() - started) / 1000;
  const rate = forwarded / elapsedS;
  const result = {
    node: process.version,
    cpu: cpus()[0]?.model,
    loadAverage: loadavg()[0] ?? 0,
    perSecond: args.perSecond,
    burst: args.burst,
    partitions: PARTITIONS,
    windowSeconds: Number(elapsedS.toFixed(2)),
    forwarded,
    recordsPerSecond: Number(rate.toFixed(1)),
    ofLimit: Number((rate / args.perSecond).toFixed(3)),
  };
  console.log(
    `limit ${args.perSecond}/s (burst ${args.burst}), ${PARTITIONS} partitions: forwarded ${forwarded} in ${elapsedS.toFixed(1)} s = ${rate.toFixed(1)}/s (${(100 * result.ofLimit).toFixed(0)} % of the limit), load average ${result.loadAverage.toFixed(1)}`,
  );
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('results/poller-rate-limit.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  await poller.stop();
  await deleteTopics([topic]);
  sqs.destroy();
  s3.destroy();
}
