// Benchmark (not a test): the poller's records/s and CPU microseconds per record, next to a
// plain kafkajs consumer reading the same records and doing nothing (the read floor), at two
// value sizes (1 KiB and 64 KiB by default) in one run. Writes bench/results/poller.json.
// Needs the local broker and emulators (`npm run infra:up`). Run:
//   npm run bench:poller -- [records1KiB=20000] [records64KiB=1000] [partitions=4] [--clients=lean,lean-filter,sdk,lean-avro] [--warmup=0]
// 0 records skips that size. BENCH_PROFILE_DIR=dir writes a CPU profile of each poller run
// (that run only) into dir.
// `--warmup` records (of the first size, at most as many as measured, on a topic of their own)
// are read first by the floor and by every setup, unmeasured, so each measured run starts with
// its code compiled and warm, as in a poller that has run for a while (default 0: cold).
// `--clients` lists the SQS setups to run the poller with, each on its own queue (CLIENT_SETUPS
// below): `lean` is what the poller task uses (the lean SendMessageBatch, no stages), the others
// add a filter stage or go through the SDK client, for a before/after in the same run.
// `lean-avro` is a route with `decode` (Confluent wire format, Avro; the registry answers from
// memory): it reads a topic of its own, Avro orders of about 1 KiB (bench/lib/avro-orders.ts),
// at the 1 KiB size only, and its ratio is to the same read floor as the other setups (the
// plain 1 KiB topic, read first: a floor read second runs with kafkajs's code already compiled).
//
// CPU is this process's own (user + system, process.cpuUsage), measured the same way for the
// floor and the poller: from the moment the reader owns its partitions (before its first fetch)
// to the last record read or forwarded, divided by the records. Connect, group join and
// metadata are left out: a fixed cost, not a per-record one (whole-run figures are in the JSON).
// After the last record each reader is watched idle for IDLE_MS: its background CPU per second
// (heartbeats, fetch polls, timers, the sampling) is reported, and a figure net of it, which
// matters when ElasticMQ makes a run slow (64 KiB values). The broker and ElasticMQ are not
// counted, but on a small machine they compete for the same cores, which limits records/s.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import { PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseBridgeConfig } from '../lib/config/index.ts';
import { envelopeSize, valuePlacement } from '../lib/envelope/index.ts';
import {
  createPollerSqsClient,
  MAX_BATCH_BYTES,
  MAX_BATCH_ENTRIES,
  pollerSqsClientConfig,
  RoutePoller,
  type RouteStages,
  type SendPath,
  type SqsBatchTransport,
} from '../lib/poller/index.ts';
import {
  uniqueName as awsName,
  createFifoQueue,
  emulatorClientConfig,
  s3Client,
  sqsEndpoint,
} from '../test/support/aws.ts';
import { createKafka, createTopic, deleteTopics, kafkaBrokers, uniqueName } from '../test/support/kafka.ts';
import { exitIfArgsCheck } from './lib/args.ts';
import { avroOrder, memoryOrderRegistry, ORDER_DECODE } from './lib/avro-orders.ts';

/**
 * SQS setups: the lean SendMessageBatch the poller uses (`lean`), the same with a pass-through
 * filter stage (`lean-filter`: what a stage costs when it keeps everything), and the SDK client
 * path from the poller's client options down to the SDK's defaults, one lever at a time. Each
 * gets the emulator's endpoint and credentials.
 */
interface Setup {
  readonly client: () => SQSClient;
  readonly sendPath: SendPath;
  readonly stages?: RouteStages;
  readonly transport?: SqsBatchTransport;
  /** A route decoding Avro (route.decode), reading the Avro topic. */
  readonly avro?: boolean;
}
/** Answers every SendMessageBatch at once, sending nothing: what the poller costs without SQS. */
const NO_SQS: SqsBatchTransport = { sendBatch: () => new Promise((resolve) => setImmediate(resolve, [])) };
const pollerClient = (): SQSClient => createPollerSqsClient(emulatorClientConfig(sqsEndpoint()));
const CLIENT_SETUPS: Record<string, Setup> = {
  lean: { client: pollerClient, sendPath: 'lean' },
  'lean-filter': { client: pollerClient, sendPath: 'lean', stages: { filter: () => true } },
  'lean-avro': { client: pollerClient, sendPath: 'lean', avro: true },
  sdk: { client: pollerClient, sendPath: 'sdk' },
  'no-sqs': { client: pollerClient, sendPath: 'lean', transport: NO_SQS },
  'md5-off': {
    client: () => new SQSClient({ ...pollerSqsClientConfig(), ...emulatorClientConfig(sqsEndpoint()) }),
    sendPath: 'sdk',
  },
  'no-keep-alive': {
    client: () =>
      new SQSClient({
        ...emulatorClientConfig(sqsEndpoint()),
        requestHandler: { httpAgent: new Agent({ keepAlive: false, maxSockets: 50 }) },
      }),
    sendPath: 'sdk',
  },
  'sdk-defaults': { client: () => new SQSClient(emulatorClientConfig(sqsEndpoint())), sendPath: 'sdk' },
};
type ClientSetup = string;

function parseArgs(argv: readonly string[]): {
  readonly sizes: readonly { readonly valueBytes: number; readonly records: number }[];
  readonly partitions: number;
  readonly clients: readonly ClientSetup[];
  readonly warmup: number;
} {
  const positional = argv.filter((arg) => !arg.startsWith('--'));
  const number = (index: number, fallback: number, what: string): number => {
    const text = positional[index];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${what} must be an integer >= 0, got ${text}`);
    return value;
  };
  let clients: ClientSetup[] = ['lean', 'lean-filter', 'sdk', 'lean-avro'];
  let warmup = 0;
  for (const arg of argv.filter((a) => a.startsWith('--'))) {
    const [name, value = ''] = arg.slice(2).split('=', 2);
    if (name === 'warmup') {
      warmup = Number(value);
      if (!Number.isInteger(warmup) || warmup < 0)
        throw new Error(`--warmup must be an integer >= 0, got ${JSON.stringify(value)}`);
      continue;
    }
    if (name !== 'clients')
      throw new Error(
        `unknown option ${arg} (known: --clients=${Object.keys(CLIENT_SETUPS).join(',')}, --warmup=records)`,
      );
    clients = value.split(',').map((client) => {
      if (!(client in CLIENT_SETUPS))
        throw new Error(
          `--clients: unknown setup ${JSON.stringify(client)} (known: ${Object.keys(CLIENT_SETUPS).join(', ')})`,
        );
      return client as ClientSetup;
    });
  }
  const partitions = number(2, 4, 'partitions');
  if (partitions < 1) throw new Error('partitions must be at least 1');
  return {
    sizes: [
      { valueBytes: 1024, records: number(0, 20_000, 'records of 1 KiB') },
      { valueBytes: 65_536, records: number(1, 1_000, 'records of 64 KiB') },
    ],
    partitions,
    clients,
    warmup,
  };
}

const { sizes, partitions, clients, warmup } = parseArgs(process.argv.slice(2));
exitIfArgsCheck();
const KEYS = 2_000;

interface Measured {
  readonly records: number;
  readonly ms: number;
  readonly cpuUs: number;
  readonly wholeRunMs: number;
  readonly wholeRunCpuUs: number;
  /** CPU the reader burns per second with nothing left to read (heartbeats, fetch polls, timers, this sampler). */
  readonly idleCpuUsPerSec: number;
}

/** How long the reader is watched idle after the last record, to measure its background CPU. */
const IDLE_MS = 2_000;
/**
 * How often a reader's count is sampled. Each wake-up costs CPU (about 150 µs on the loaded
 * 2-core machine), counted for both readers alike; 20 ms keeps that near 1% of a core.
 */
const SAMPLE_MS = 20;

const cpuNow = (): number => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

/**
 * Starts a reader and samples it every SAMPLE_MS. The window opens once the reader owns its
 * partitions (`ready`: before it fetched anything) and closes at the first sample that counts
 * every record, so connect, group join and metadata (a fixed cost, not a per-record one) are
 * left out. The sampling itself is the same small cost for the floor and the poller.
 */
async function measure(
  total: number,
  run: () => Promise<() => Promise<void>>,
  ready: () => boolean,
  count: () => number,
): Promise<Measured> {
  const startCpu = cpuNow();
  const started = performance.now();
  const stop = await run();
  let window: { readonly at: number; readonly cpu: number } | undefined;
  const deadline = started + 300_000;
  for (;;) {
    if (window === undefined && ready()) window = { at: performance.now(), cpu: cpuNow() };
    const seen = count();
    if (seen >= total) break;
    if (performance.now() > deadline) throw new Error(`only ${seen} of ${total} records after 300 s`);
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  }
  const endCpu = cpuNow();
  const ended = performance.now();
  // The same sampling loop, now with nothing to read: the background cost per second.
  while (performance.now() < ended + IDLE_MS) {
    count();
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  }
  const idleCpuUsPerSec = (cpuNow() - endCpu) / ((performance.now() - ended) / 1000);
  await stop();
  if (window === undefined) throw new Error('the reader never owned its partitions');
  return {
    records: total,
    ms: ended - window.at,
    cpuUs: endCpu - window.cpu,
    wholeRunMs: ended - started,
    wholeRunCpuUs: endCpu - startCpu,
    idleCpuUsPerSec,
  };
}

/** Produces `records` values of `valueBytes` bytes, or Avro orders (about 1 KiB) when `avro`. */
async function produce(topic: string, valueBytes: number, records: number, avro = false): Promise<void> {
  const producer = createKafka('bench-producer').producer();
  await producer.connect();
  // Printable bytes, different per record (its index up front), like a JSON document.
  const filler = Buffer.alloc(valueBytes, 'abcdefghijklmnopqrstuvwxyz0123456789');
  const valueAt = (i: number): Buffer => {
    if (avro) return avroOrder(i);
    const value = Buffer.from(filler);
    value.write(`${i}:`);
    return value;
  };
  // A produce request holds one record batch per partition, which the broker caps at about 1 MiB.
  const perSend = Math.max(1, Math.min(1_000, Math.floor((partitions * 800_000) / valueBytes)));
  for (let i = 0; i < records; i += perSend) {
    await producer.send({
      topic,
      messages: Array.from({ length: Math.min(perSend, records - i) }, (_, j) => ({
        partition: (i + j) % partitions,
        key: `key-${(i + j) % KEYS}`,
        value: valueAt(i + j),
      })),
    });
  }
  await producer.disconnect();
}

async function readFloor(topic: string, records: number): Promise<Measured> {
  let read = 0;
  let joined = false;
  return measure(
    records,
    async () => {
      const consumer = createKafka('bench-floor').consumer({
        groupId: uniqueName('bench-floor'),
        maxWaitTimeInMs: 500,
      });
      // Fetching starts after the join: the window opens here, before any record is read.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
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
    () => joined,
    () => read,
  );
}

async function forward(
  topic: string,
  valueBytes: number,
  records: number,
  setup: ClientSetup,
  profiled = true,
): Promise<Measured> {
  const name = awsName('bench');
  const chosen = CLIENT_SETUPS[setup];
  if (chosen === undefined) throw new Error(`unknown setup ${setup}`);
  const route = parseBridgeConfig({
    kafka: { brokers: kafkaBrokers() },
    routes: [
      {
        name,
        topics: [topic],
        endpoint: { type: 'http', url: 'http://127.0.0.1:8787/unused' },
        // No commit function runs here: every forwarded record stays in flight.
        maxInFlight: Math.ceil(records / partitions) + 1_000,
        ...(chosen.avro === true ? { decode: ORDER_DECODE } : {}),
      },
    ],
  }).routes[0];
  if (route === undefined) throw new Error('no route parsed');
  const registry = chosen.avro === true ? memoryOrderRegistry() : undefined;
  const sqs = chosen.client();
  // As the CDK stack creates them: high-throughput FIFO.
  const queue = await createFifoQueue(sqs, name, {
    DeduplicationScope: 'messageGroup',
    FifoThroughputLimit: 'perMessageGroupId',
  });
  const poller = new RoutePoller({
    route,
    kafka: createKafka('bench-poller'),
    sqs,
    s3: s3Client(),
    queueUrl: queue.url,
    payloadBucket: undefined,
    sendPath: chosen.sendPath,
    ...(chosen.stages === undefined ? {} : { stages: chosen.stages }),
    ...(chosen.transport === undefined ? {} : { transport: chosen.transport }),
    ...(registry === undefined ? {} : { registries: registry.clients }),
  });
  // ElasticMQ keeps messages on its small heap (a 64 KiB value is about 88 KB of body):
  // purging twice a second keeps it from filling up. One small call per 500 ms, in the CPU.
  const purge = setInterval(() => {
    sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url })).catch((error: unknown) => {
      console.error(`purging ${queue.url} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }, 500);
  const profile = profiled ? process.env.BENCH_PROFILE_DIR : undefined;
  const session = profile === undefined || profile === '' ? undefined : new Session();
  if (session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  try {
    const measured = await measure(
      records,
      async () => {
        await poller.start();
        return () => poller.stop();
      },
      // Positioned (progress group read, seeked), so about to fetch.
      () => {
        const owned = poller.status().partitions;
        return owned.length === partitions && owned.every((p) => p.next !== undefined);
      },
      () => poller.status().partitions.reduce((sum, p) => sum + p.forwarded, 0),
    );
    // Every record decoded: none was dead-lettered for want of its schema (fetched once, cached).
    if (registry !== undefined && registry.fetched() !== 1)
      throw new Error(`the Avro schema was fetched ${registry.fetched()} times, not once`);
    return measured;
  } finally {
    if (session !== undefined && profile !== undefined) {
      const { profile: taken } = await session.post('Profiler.stop');
      mkdirSync(profile, { recursive: true });
      const file = `${profile}/poller-${records}x${valueBytes}-${setup}.cpuprofile`;
      writeFileSync(file, JSON.stringify(taken));
      console.log(`CPU profile of the poller run: ${file}`);
      session.disconnect();
    }
    clearInterval(purge);
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
    sqs.destroy();
  }
}

/** What one message of this value size takes, how many fit one SendMessageBatch, and whether it goes to S3. */
function batchShape(
  valueBytes: number,
  name: string,
): {
  readonly messageBytes: number;
  readonly perBatch: number;
  readonly claimCheck: boolean;
} {
  const head = {
    route: name,
    topic: name,
    partition: partitions - 1,
    offset: '1000000',
    from: '1000000',
    timestamp: String(Date.now()),
    key: Buffer.from(`key-${KEYS - 1}`),
    headers: [],
  };
  const claimCheck = valuePlacement(head, Buffer.alloc(valueBytes)) === 's3';
  const messageBytes = envelopeSize({
    ...head,
    value: claimCheck ? null : { inline: Buffer.alloc(valueBytes) },
  });
  return {
    messageBytes,
    perBatch: Math.min(MAX_BATCH_ENTRIES, Math.floor(MAX_BATCH_BYTES / messageBytes)),
    claimCheck,
  };
}

const perRecord = (m: Measured): number => m.cpuUs / m.records;
/** Per record, less what the reader would have burnt idle over the same time (see IDLE_MS). */
const netPerRecord = (m: Measured): number =>
  Math.max(0, m.cpuUs - (m.idleCpuUsPerSec * m.ms) / 1000) / m.records;
const perSecond = (m: Measured): number => m.records / (m.ms / 1000);
const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

function figures(m: Measured, floor: Measured) {
  return {
    recordsPerSec: Math.round(perSecond(m)),
    cpuUsPerRecord: round(perRecord(m)),
    ratio: round(perRecord(m) / perRecord(floor), 2),
    idleCpuMsPerSec: round(m.idleCpuUsPerSec / 1000),
    cpuUsPerRecordNetOfIdle: round(netPerRecord(m)),
    ratioNetOfIdle: round(netPerRecord(m) / netPerRecord(floor), 2),
    wholeRun: {
      recordsPerSec: Math.round(m.records / (m.wholeRunMs / 1000)),
      cpuUsPerRecord: round(m.wholeRunCpuUs / m.records),
    },
  };
}

function row(size: string, reader: string, m: Measured, floor: Measured): string {
  const f = figures(m, floor);
  return `| ${size} | ${reader} | ${m.records} | ${f.recordsPerSec} | ${f.cpuUsPerRecord} | ${f.ratio} | ${f.idleCpuMsPerSec} | ${f.cpuUsPerRecordNetOfIdle} | ${f.ratioNetOfIdle} |`;
}

const results = [];
const loadBefore = loadavg().map((n) => round(n, 2));
console.log(
  `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadBefore.join(' ')}, ${partitions} partitions, ${KEYS} keys, SQS setups: ${clients.join(', ')}`,
);
console.log(
  '| value | reader | records | records/s | CPU µs/record | ratio to floor | idle CPU ms/s | CPU µs/record net of idle | ratio net of idle |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
// A size with 0 records is skipped (for profiling one size alone).
let warmed = false;
const isAvro = (setup: ClientSetup): boolean => CLIENT_SETUPS[setup]?.avro === true;
for (const { valueBytes, records } of sizes.filter((size) => size.records > 0)) {
  // The Avro orders are about 1 KiB: an Avro setup runs at that size only.
  const setups = clients.filter((setup) => !isAvro(setup) || valueBytes === 1024);
  if (setups.length === 0) continue;
  const plain = setups.some((setup) => !isAvro(setup));
  const avro = setups.some(isAvro);
  if (warmup > 0 && !warmed) {
    // Not measured: every reader's code is compiled and warm before its measured runs, as in a
    // poller that has been running for a while (a fixed cost, like the group join left out).
    // Once, with the first size's values: the code is the same for every size.
    warmed = true;
    const warm = uniqueName('bench-warmup');
    const warmAvro = uniqueName('bench-warmup-avro');
    const warmRecords = Math.min(warmup, records);
    await createTopic(warm, partitions);
    if (avro) await createTopic(warmAvro, partitions);
    try {
      await produce(warm, valueBytes, warmRecords);
      if (avro) await produce(warmAvro, valueBytes, warmRecords, true);
      await readFloor(warm, warmRecords);
      for (const setup of setups)
        await forward(isAvro(setup) ? warmAvro : warm, valueBytes, warmRecords, setup, false);
    } finally {
      await deleteTopics(avro ? [warm, warmAvro] : [warm]);
    }
  }
  const topic = uniqueName('bench');
  const avroTopic = uniqueName('bench-avro');
  const topics = [...(plain ? [topic] : []), ...(avro ? [avroTopic] : [])];
  for (const t of topics) await createTopic(t, partitions);
  try {
    if (plain) await produce(topic, valueBytes, records);
    if (avro) await produce(avroTopic, valueBytes, records, true);
    const size = `${valueBytes / 1024} KiB`;
    // The floor reads the plain topic (the Avro topic when no other setup runs at this size).
    const floor = await readFloor(plain ? topic : avroTopic, records);
    console.log(row(size, 'kafkajs consumer, no work (read floor)', floor, floor));
    const pollers: Record<string, ReturnType<typeof figures>> = {};
    for (const setup of setups) {
      const poller = await forward(isAvro(setup) ? avroTopic : topic, valueBytes, records, setup);
      console.log(row(size, `poller, SQS client ${setup}`, poller, floor));
      pollers[setup] = figures(poller, floor);
    }
    const first = setups[0] as ClientSetup;
    const main = pollers[first];
    if (main === undefined) throw new Error('no poller run');
    const floorFigures = figures(floor, floor);
    results.push({
      valueBytes,
      records,
      sqsClient: first,
      recordsPerSec: main.recordsPerSec,
      cpuUsPerRecord: main.cpuUsPerRecord,
      readFloorCpuUsPerRecord: floorFigures.cpuUsPerRecord,
      ratio: main.ratio,
      cpuUsPerRecordNetOfIdle: main.cpuUsPerRecordNetOfIdle,
      readFloorCpuUsPerRecordNetOfIdle: floorFigures.cpuUsPerRecordNetOfIdle,
      ratioNetOfIdle: main.ratioNetOfIdle,
      batch: batchShape(valueBytes, topic),
      readFloor: floorFigures,
      pollers,
    });
  } finally {
    await deleteTopics(topics);
  }
}

const out = new URL('results/poller.json', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpu: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
      loadAverage: { before: loadBefore, after: loadavg().map((n) => round(n, 2)) },
      parameters: { partitions, keys: KEYS, clients, sizes, warmup },
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(`written ${out.pathname}`);
