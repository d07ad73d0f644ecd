// Benchmark (not a test): the poller's records/s and CPU microseconds per record, next to a
// plain kafkajs consumer reading the same records and doing nothing (the read floor).
// Needs the local broker and emulators (`bash scripts/infra.sh up`). Run:
//   npx node bench/poller.ts [records=20000] [partitions=4]
// CPU is this process's own (user + system) during the run: the broker and ElasticMQ are not
// counted, but on a small machine they compete for the same cores, which limits records/s.
import { parseBridgeConfig } from '../lib/config/index.ts';
import { RoutePoller } from '../lib/poller/index.ts';
import { uniqueName as awsName, createFifoQueue, s3Client, sqsClient } from '../test/support/aws.ts';
import { createKafka, createTopic, deleteTopics, kafkaBrokers, uniqueName } from '../test/support/kafka.ts';

const records = Number(process.argv[2] ?? 20_000);
const partitions = Number(process.argv[3] ?? 4);

interface Result {
  readonly name: string;
  readonly ms: number;
  readonly cpuMicros: number;
}

async function measure(
  name: string,
  run: () => Promise<() => Promise<void>>,
  done: () => boolean,
): Promise<Result> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stop = await run();
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await stop();
  return { name, ms, cpuMicros: used.user + used.system };
}

const topic = uniqueName('bench');
await createTopic(topic, partitions);
const kafka = createKafka('bench');
const producer = kafka.producer();
await producer.connect();
const value = 'v'.repeat(200);
for (let i = 0; i < records; i += 1_000) {
  await producer.send({
    topic,
    messages: Array.from({ length: Math.min(1_000, records - i) }, (_, j) => ({
      partition: (i + j) % partitions,
      key: `key-${(i + j) % 2_000}`,
      value,
    })),
  });
}
await producer.disconnect();

// The read floor: a consumer that only counts.
let read = 0;
const floor = await measure(
  'kafkajs consumer, no work (read floor)',
  async () => {
    const consumer = createKafka('bench-floor').consumer({
      groupId: uniqueName('bench-floor'),
      maxWaitTimeInMs: 500,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: partitions,
      eachBatch: async ({ batch }) => {
        read += batch.messages.length;
      },
    });
    return () => consumer.disconnect();
  },
  () => read >= records,
);

const name = awsName('bench');
const config = parseBridgeConfig({
  kafka: { brokers: kafkaBrokers() },
  routes: [
    {
      name,
      topics: [topic],
      endpoint: { type: 'http', url: 'http://127.0.0.1:8787/unused' },
      maxInFlight: 100_000 / partitions,
    },
  ],
});
const route = config.routes[0];
if (route === undefined) throw new Error('no route parsed');
const sqs = sqsClient();
const queue = await createFifoQueue(sqs, name);
const poller = new RoutePoller({
  route,
  kafka: createKafka('bench-poller'),
  sqs,
  s3: s3Client(),
  queueUrl: queue.url,
  payloadBucket: undefined,
});
const forwarded = (): number => poller.status().partitions.reduce((sum, p) => sum + p.forwarded, 0);
const pollerResult = await measure(
  'poller (Kafka -> SQS FIFO on ElasticMQ)',
  async () => {
    await poller.start();
    return () => poller.stop();
  },
  () => forwarded() >= records,
);
await deleteTopics([topic]);

console.log(`${records} records of 200 bytes, ${partitions} partitions, 2000 keys; Node ${process.version}`);
console.log('| reader | records/s | CPU us/record |');
console.log('| --- | ---: | ---: |');
for (const result of [floor, pollerResult]) {
  const perSecond = Math.round(records / (result.ms / 1000));
  console.log(`| ${result.name} | ${perSecond} | ${(result.cpuMicros / records).toFixed(1)} |`);
}
