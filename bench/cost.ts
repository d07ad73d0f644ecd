// Benchmark (not a test): AWS cost per million records, from what one local run COUNTS: every
// SQS, DynamoDB and S3 call through the SDK clients' middleware (bench/cost/meter.ts), every
// deliver/redrive batch and commit run timed as a Lambda invocation, priced with AWS list prices
// (bench/cost/prices.ts). The whole bridge runs in local mode (LocalBridge) over a fixed number
// of records against the sample endpoint; the run must lose nothing and keep every key's order.
//   npm run bench:cost -- [--records 2000] [--latency-ms 20] [--failure-rate 0] [--poison-rate 0]
//                         [--label current] [--partitions 4] [--keys 200] [--calls-in-flight 0]
//                         [--batch N]
// Without --batch, two runs one after the other: `batch-1` (one record a call, the default
// route) and `batch-10` (deliver.batch maxRecords 10), each a child process of this script.
// Results are merged into bench/results/cost.json under `runs.<label>`; the top-level
// `usdPerMillion` and `breakdown` are `batch-1`'s when there is one, else the label written last.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SQSRecord } from 'aws-lambda';
import { logLevel } from 'kafkajs';
import { COMMIT_BATCHING_WINDOW } from '../cdk/lib/kafka-bridge.ts';
import { parseBridgeConfig } from '../lib/config/index.ts';
import { decodeEnvelope } from '../lib/envelope/index.ts';
import { createKafkaClient } from '../lib/kafka/client.ts';
import { readArchivedOrders } from '../lib/local/archive-reader.ts';
import { type BridgeFunctionName, LocalBridge, type LocalLog } from '../lib/local/bridge.ts';
import { destroyClients, localClients, localEndpoints } from '../lib/local/clients.ts';
import { OrderProducer } from '../lib/local/order-producer.ts';
import { provision } from '../lib/local/provision.ts';
import { SampleEndpoint } from '../lib/local/sample-endpoint.ts';
import { summarize } from '../lib/local/summary.ts';
import { type OperationUsage, UsageMeter } from './cost/meter.ts';
import { ASSUMED_CALL_MS, PRICES, PRICES_AS_OF } from './cost/prices.ts';
import { exitIfArgsCheck } from './lib/args.ts';
import { machineFacts, RESULTS_DIR, useFastestDynamoDb, writeResult } from './lib/env.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '2000' },
    partitions: { type: 'string', default: '4' },
    keys: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1' },
    'calls-in-flight': { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '20' },
    'failure-rate': { type: 'string', default: '0' },
    'poison-rate': { type: 'string', default: '0' },
    label: { type: 'string', default: 'current' },
    'timeout-s': { type: 'string', default: '420' },
    batch: { type: 'string' },
  },
});

function numberArg(name: keyof typeof args, min: number, max: number): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(args[name])}`);
  }
  return value;
}

const parameters = {
  records: numberArg('records', 100, 1_000_000),
  partitions: numberArg('partitions', 1, 64),
  keys: numberArg('keys', 1, 1_000_000),
  // One deliver invocation at a time by default: each invocation's wall time is then its own, as
  // in Lambda where every invocation has its own CPU. Concurrent batches would share this
  // process's event loop (and the machine's 2 cores) and inflate every duration.
  deliverConcurrency: numberArg('concurrency', 1, 100),
  // The route's deliver.maxCallsInFlight (0: not set): the groups of a batch called at once.
  maxCallsInFlight: numberArg('calls-in-flight', 0, 10_000),
  endpointLatencyMs: numberArg('latency-ms', 0, 10_000),
  failureRate: numberArg('failure-rate', 0, 0.5),
  poisonRate: numberArg('poison-rate', 0, 0.5),
  label: String(args.label),
  // deliver.batch.maxRecords (1: one record a call, no deliver.batch).
  batch: args.batch === undefined ? 1 : numberArg('batch', 1, 10),
  // As the CDK stack deploys them (cdk/lib/bridge-function.ts, cdk/lib/poller.ts).
  lambdaMemoryMb: 512,
  lambdaArchitecture: 'arm64',
  // The commit stream's batching window (COMMIT_BATCHING_WINDOW): at most one run per window.
  commitIntervalMs: COMMIT_BATCHING_WINDOW.toMilliseconds(),
  fargateTask: { vcpu: 0.5, memoryGb: 1, architecture: 'x86_64' },
};
exitIfArgsCheck();
if (args.batch === undefined) {
  // One run of the command: one record a call, then batches of 10, each labelled by its size.
  for (const size of [1, 10]) {
    const label = args.label === 'current' ? `batch-${size}` : `${args.label}-batch-${size}`;
    const argv = [...process.argv.slice(2), '--batch', String(size), '--label', label];
    const child = spawnSync(process.execPath, [import.meta.filename, ...argv], { stdio: 'inherit' });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
  process.exit(0);
}
const timeoutMs = numberArg('timeout-s', 10, 3_600) * 1000;

/** One function's invocations as Lambda would bill them. */
interface FunctionUsage {
  invocations: number;
  records: number;
  /** Sum of each invocation's duration rounded up to 1 ms (Lambda's billing granularity). */
  billedMs: number;
  maxMs: number;
}

const dynamo = await useFastestDynamoDb();
/** Progress on stderr: a run takes minutes. */
const stage = (what: string) => console.error(`[${new Date().toISOString()}] ${what}`);
const endpoints = localEndpoints();
const clients = localClients(endpoints);
const meter = new UsageMeter();
meter.attach(clients);

const functions: Record<BridgeFunctionName, FunctionUsage> = {
  deliver: { invocations: 0, records: 0, billedMs: 0, maxMs: 0 },
  redrive: { invocations: 0, records: 0, billedMs: 0, maxMs: 0 },
  commit: { invocations: 0, records: 0, billedMs: 0, maxMs: 0 },
};
/** Per deliver batch: records, and contiguous runs per partition (what one completion item per run would write). */
const contiguity = { batches: 0, records: 0, runs: 0 };

function countRuns(records: readonly SQSRecord[]): number {
  const byPartition = new Map<string, { from: bigint; offset: bigint }[]>();
  for (const record of records) {
    const envelope = decodeEnvelope(record.body);
    const key = `${envelope.topic}/${envelope.partition}`;
    const list = byPartition.get(key) ?? [];
    list.push({ from: BigInt(envelope.from), offset: BigInt(envelope.offset) });
    byPartition.set(key, list);
  }
  let runs = 0;
  for (const list of byPartition.values()) {
    list.sort((a, b) => (a.offset < b.offset ? -1 : 1));
    list.forEach((link, i) => {
      const previous = list[i - 1];
      if (previous === undefined || link.from !== previous.offset + 1n) runs++;
    });
  }
  return runs;
}

const runId = Date.now().toString(36);
const routeName = `cost-${runId}`;
const topic = `cost-orders-${runId}`;
const problems: string[] = [];
const log: LocalLog = {
  info: () => undefined,
  warn: (message, details) => problems.push(`warn ${message} ${JSON.stringify(details ?? {})}`),
  error: (message, details) => problems.push(`error ${message} ${JSON.stringify(details ?? {})}`),
};

const endpoint = await SampleEndpoint.start({
  latencyMs: parameters.endpointLatencyMs,
  failureRate: parameters.failureRate,
  poisonRate: parameters.poisonRate,
});
const config = parseBridgeConfig({
  kafka: { brokers: [...endpoints.kafkaBrokers], clientId: 'kafka-bridge-cost' },
  routes: [
    {
      name: routeName,
      topics: [topic],
      endpoint: { type: 'http', url: endpoint.url, timeoutMs: 5_000 },
      ordering: 'key',
      onPoison: 'quarantine',
      maxInFlight: 500,
      // With maxCallsInFlight the deliverer's concurrency is derived from it (set only one).
      ...(parameters.maxCallsInFlight === 0
        ? { concurrency: Math.max(2, parameters.deliverConcurrency) }
        : {}),
      deliver: {
        ...(parameters.maxCallsInFlight === 0 ? {} : { maxCallsInFlight: parameters.maxCallsInFlight }),
        ...(parameters.batch === 1 ? {} : { batch: { maxRecords: parameters.batch } }),
      },
      partitions: parameters.partitions,
      retry: { attempts: 8, inProcessAttempts: 2, baseMs: 100, maxMs: 2_000 },
    },
  ],
});
const kafka = await createKafkaClient(config.kafka, { logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: parameters.partitions }], waitForLeaders: true });
await admin.disconnect();
stage('provisioning');
const provisioned = await provision(config, clients, {
  tableName: `cost-completions-${runId}`,
  bucket: `cost-bucket-${runId}`,
});

// Produce everything first: the run then measures the bridge alone, at its own pace.
const producer = new OrderProducer({
  kafka,
  topic,
  partitions: parameters.partitions,
  keys: parameters.keys,
  runId,
});
stage('producing');
await producer.connect();
await producer.produce(parameters.records);
await producer.disconnect();

let fatal: Error | undefined;
// The config allows 2 or more (the deployed event source's range); the local event source runs
// what it is given, and one at a time keeps each invocation's timing its own.
const routes = config.routes.map((route) => ({
  ...route,
  concurrency: Math.max(2, parameters.deliverConcurrency),
}));
const bridge = new LocalBridge({
  routes,
  deliverInvocations: parameters.deliverConcurrency,
  clients,
  provisioned,
  kafka,
  log,
  onFatal: (error) => {
    fatal = error;
  },
  instrument: async (fn, records, invoke) => {
    const started = performance.now();
    try {
      return await meter.within(fn, invoke);
    } finally {
      const ms = performance.now() - started;
      const usage = functions[fn];
      usage.invocations++;
      usage.records += records.length;
      usage.billedMs += Math.ceil(ms);
      usage.maxMs = Math.max(usage.maxMs, ms);
      if (fn === 'deliver') {
        contiguity.batches++;
        contiguity.records += records.length;
        contiguity.runs += countRuns(records);
      }
    }
  },
});
stage('bridge starting');
meter.start();
const cpuBefore = process.cpuUsage();
const started = performance.now();
await bridge.start();
const stoppedBy = await new Promise<'committed' | 'timed out' | 'fatal'>((resolve) => {
  const deadline = setTimeout(() => finish('timed out'), timeoutMs);
  const timer = setInterval(() => {
    if (fatal !== undefined) return finish('fatal');
    const route = bridge.progress()[0];
    if (route === undefined || route.partitions.length !== parameters.partitions) return;
    const committed = route.partitions.reduce((sum, p) => sum + (p.after ?? 0n), 0n);
    if (committed === BigInt(parameters.records)) finish('committed');
  }, 250);
  function finish(reason: 'committed' | 'timed out' | 'fatal'): void {
    clearInterval(timer);
    clearTimeout(deadline);
    resolve(reason);
  }
});
const wallMs = performance.now() - started;
stage(`bridge stopping (${stoppedBy})`);
await bridge.stop();
meter.stop();
const cpu = process.cpuUsage(cpuBefore);

const archived = await readArchivedOrders(clients.s3, provisioned.bucket, routeName);
const summary = summarize({
  route: routeName,
  topic,
  produced: producer.produced,
  accepted: endpoint.accepted,
  failedRequests: endpoint.failures,
  archived,
  partitions: bridge.progress()[0]?.partitions ?? [],
  durationMs: wallMs,
});
await endpoint.stop();
destroyClients(clients);

// ---- pricing -------------------------------------------------------------------------------
const records = parameters.records;
const perMillion = (units: number) => (units / records) * 1e6;
const usage = meter.usage();
const sum = (pick: (u: OperationUsage) => number, filter: (u: OperationUsage) => boolean = () => true) =>
  usage.filter(filter).reduce((total, u) => total + pick(u), 0);

// Empty receives are idle polling (a loaded queue answers with messages): a fixed cost per hour
// of each event source poller, reported apart, not per record.
const emptyReceives = sum((u) => u.emptyReceives);
const sqsRequests = sum((u) => u.sqsRequests) - emptyReceives;
const wru = sum((u) => u.wru);
const rru = sum((u) => u.rru);
const s3Tier1 = sum((u) => u.s3Tier1);
const s3Tier2 = sum((u) => u.s3Tier2);
const completionInserts = meter.completionInserts;

const gb = parameters.lambdaMemoryMb / 1024;
const gbSecondPrice = PRICES.lambdaGbSecondArm64.usd;
const lambdaOf = (u: FunctionUsage, invocations = u.invocations, billedMs = u.billedMs) => ({
  invocations,
  gbSeconds: (billedMs / 1000) * gb,
  usd: invocations * PRICES.lambdaRequest.usd + (billedMs / 1000) * gb * gbSecondPrice,
});
// Lambda durations, two ways. Measured: each invocation's wall time here, emulator calls
// included. Modelled (the one priced): the measured time minus the time spent in AWS calls, plus
// the counted calls at an in-region latency (ASSUMED_CALL_MS): the emulators on this shared
// machine answer in tens to hundreds of ms where AWS answers in a few.
function modelledMs(fn: BridgeFunctionName): number {
  const calls = usage.filter((u) => u.component === fn);
  // The time with calls in flight, concurrent calls counted once (see UsageMeter.busyMs).
  const measuredCallMs = meter.busyMs(fn);
  const assumedCallMs = calls.reduce((total, u) => total + u.calls * ASSUMED_CALL_MS[u.service], 0);
  // Plus up to 1 ms per invocation: Lambda rounds each one up to the next ms.
  return Math.max(0, functions[fn].billedMs - measuredCallMs) + assumedCallMs + functions[fn].invocations;
}
const deliverLambda = lambdaOf(functions.deliver, functions.deliver.invocations, modelledMs('deliver'));
const redriveLambda = lambdaOf(functions.redrive, functions.redrive.invocations, modelledMs('redrive'));
const measuredLambdaUsd = perMillion(lambdaOf(functions.deliver).usd + lambdaOf(functions.redrive).usd);
// The commit function: locally it runs from the table's stream with the template's batching
// window and schedule, as the deployed one does (its stream trigger waits up to the window for
// up to 100 ledger entries). Each local run is one invocation.
const commitLambda = lambdaOf(functions.commit, functions.commit.invocations, modelledMs('commit'));

// Fargate: the poller task (0.5 vCPU, 1 GB, x86_64) fully busy forwards 0.5 vCPU / (CPU per
// record) records; its share per record is the task's hourly price over that. The CPU per
// record is the poller benchmark's (bench/results/poller.json, smallest value size): in this
// run the poller shares the process with the deliverers, so its CPU cannot be told apart.
const pollerCpu = await pollerCpuUsPerRecord();
const taskUsdPerHour =
  parameters.fargateTask.vcpu * PRICES.fargateVcpuHourX86.usd +
  parameters.fargateTask.memoryGb * PRICES.fargateGbHourX86.usd;
const taskRecordsPerHour =
  pollerCpu === undefined ? undefined : (parameters.fargateTask.vcpu * 3600 * 1e6) / pollerCpu.cpuUsPerRecord;
const fargateUsdPerMillion =
  taskRecordsPerHour === undefined ? 0 : (taskUsdPerHour / taskRecordsPerHour) * 1e6;

// Storage: completion items the commit does not delete stay until their TTL (7 days; DynamoDB
// removes expired items within days after that, so this is a lower bound), each billed with
// 100 bytes of overhead. Items the commit deletes live for seconds: nothing worth counting.
const TTL_DAYS = 7;
const deletedByCommit = usage
  .filter((u) => u.component === 'commit' && u.operation === 'BatchWriteItem')
  .reduce((total, u) => total + u.wru, 0);
const keptItems = Math.max(0, completionInserts - deletedByCommit);
const itemBytes = completionInserts > 0 ? meter.completionBytes / completionInserts + 100 : 0;
const storageGbMonths = (keptItems * itemBytes * (TTL_DAYS / 30.4)) / 2 ** 30;

const round = (usd: number) => Math.round(usd * 10_000) / 10_000;
const breakdown = {
  sqs: round(perMillion(sqsRequests) * PRICES.sqsFifoRequest.usd),
  dynamodb: round(
    perMillion(wru) * PRICES.dynamoWru.usd +
      perMillion(rru) * PRICES.dynamoRru.usd +
      perMillion(storageGbMonths) * PRICES.dynamoStorageGbMonth.usd,
  ),
  lambda: round(perMillion(deliverLambda.usd + redriveLambda.usd + commitLambda.usd)),
  s3: round(perMillion(s3Tier1) * PRICES.s3Tier1.usd + perMillion(s3Tier2) * PRICES.s3Tier2.usd),
  fargate: round(fargateUsdPerMillion),
};
const usdPerMillion = round(Object.values(breakdown).reduce((a, b) => a + b, 0));
const detail = {
  dynamodb: {
    wruPerRecord: wru / records,
    rruPerRecord: rru / records,
    wruUsd: round(perMillion(wru) * PRICES.dynamoWru.usd),
    rruUsd: round(perMillion(rru) * PRICES.dynamoRru.usd),
    completionItemsPerRecord: completionInserts / records,
    completionItemBytes: Math.round(itemBytes),
    storageUsd: round(perMillion(storageGbMonths) * PRICES.dynamoStorageGbMonth.usd),
    storageAssumption: `items not deleted by the commit are kept ${TTL_DAYS} days (their TTL) at 100 bytes overhead each`,
  },
  sqs: { requestsPerRecord: sqsRequests / records, emptyReceives },
  endpoint: {
    callsPerMillion: Math.round(perMillion(endpoint.requests)),
    recordsPerCall: records / Math.max(1, endpoint.requests),
  },
  lambda: {
    deliver: { ...deliverLambda, usdPerMillion: round(perMillion(deliverLambda.usd)) },
    redrive: { ...redriveLambda, usdPerMillion: round(perMillion(redriveLambda.usd)) },
    commit: {
      ...commitLambda,
      usdPerMillion: round(perMillion(commitLambda.usd)),
      meanRunMs: Math.round(modelledMs('commit') / Math.max(1, functions.commit.invocations)),
    },
    durationModel: `measured wall time minus measured AWS call time, plus the counted calls at ${JSON.stringify(ASSUMED_CALL_MS)} ms each`,
    deliverModelledMsPerRecord: modelledMs('deliver') / Math.max(1, functions.deliver.records),
    /** Deliver Lambda time (modelled) per million records, in seconds. */
    deliverSecondsPerMillion: Math.round(perMillion(modelledMs('deliver')) / 1000),
    deliverAndRedriveUsdPerMillionAsMeasured: round(measuredLambdaUsd),
    deliverMsPerRecord: functions.deliver.billedMs / Math.max(1, functions.deliver.records),
    /** Of the deliver time, the share spent waiting for DynamoDB, SQS and S3 (the emulators here). */
    deliverAwsCallMsPerRecord: meter.busyMs('deliver') / Math.max(1, functions.deliver.records),
    deliverRecordsPerInvocation: functions.deliver.records / Math.max(1, functions.deliver.invocations),
  },
  fargate: {
    taskUsdPerHour,
    pollerCpuUsPerRecord: pollerCpu?.cpuUsPerRecord ?? null,
    pollerCpuSource:
      pollerCpu?.source ??
      'no 1 KiB result in bench/results/poller.json: run npm run bench:poller first (Fargate share left out)',
    taskRecordsPerHour: taskRecordsPerHour === undefined ? null : Math.round(taskRecordsPerHour),
    fixedUsdPerMonth: round(taskUsdPerHour * 730),
  },
  contiguity: {
    ...contiguity,
    recordsPerRun: contiguity.records / Math.max(1, contiguity.runs),
  },
};

const run = {
  date: new Date().toISOString(),
  machine: machineFacts(),
  dynamodbEmulator: dynamo,
  parameters,
  stoppedBy,
  wallMs: Math.round(wallMs),
  recordsPerSec: Math.round(records / (wallMs / 1000)),
  processCpuUsPerRecord: Math.round((cpu.user + cpu.system) / records),
  usdPerMillion,
  breakdown,
  detail,
  invariants: {
    produced: summary.produced,
    delivered: summary.delivered,
    deadLettered: summary.deadLettered,
    duplicates: summary.duplicates,
    lost: summary.lost,
    orderViolations: summary.orderViolations,
    lag: summary.lag,
    ok: summary.ok,
  },
  raw: { functions, completionInserts, operations: usage, meterErrors: meter.errors.slice(0, 20) },
  problems: problems.slice(0, 20),
};

const previous = await readPrevious();
const runs: Record<string, unknown> = { ...previous, [parameters.label]: run };
// The headline is the clean run after the savings ('after') when there is one, else this run;
// 'before' and 'after' side by side give the savings.
const headline = (runs['batch-1'] ?? runs.after ?? run) as {
  usdPerMillion: number;
  breakdown: Record<string, number>;
};
const beforeRun = runs.before as { usdPerMillion: number; breakdown: Record<string, number> } | undefined;
await writeResult('cost', {
  description:
    'AWS cost per million records (USD, us-east-1 list prices) from the calls, units and Lambda durations counted in a local run; see docs/benchmarks.md',
  pricesAsOf: PRICES_AS_OF,
  prices: PRICES,
  label: runs['batch-1'] !== undefined ? 'batch-1' : runs.after === undefined ? parameters.label : 'after',
  usdPerMillion: headline.usdPerMillion,
  breakdown: headline.breakdown,
  ...(beforeRun === undefined || runs.after === undefined
    ? {}
    : {
        before: { usdPerMillion: beforeRun.usdPerMillion, breakdown: beforeRun.breakdown },
        savedUsdPerMillion: round(beforeRun.usdPerMillion - headline.usdPerMillion),
      }),
  runs,
});

console.log(
  `${parameters.label}: ${records} records in ${(wallMs / 1000).toFixed(1)} s (${stoppedBy}); DynamoDB on ${dynamo}`,
);
console.log(`usd per million records: ${usdPerMillion}  ${JSON.stringify(breakdown)}`);
console.log(
  `per record: SQS ${detail.sqs.requestsPerRecord.toFixed(3)} req, WRU ${detail.dynamodb.wruPerRecord.toFixed(3)}, RRU ${detail.dynamodb.rruPerRecord.toFixed(3)}, deliver ${detail.lambda.deliverModelledMsPerRecord.toFixed(1)} ms modelled (${detail.lambda.deliverMsPerRecord.toFixed(1)} measured); records per contiguous run in a batch ${detail.contiguity.recordsPerRun.toFixed(2)}`,
);
console.log(
  `endpoint calls per million records: ${detail.endpoint.callsPerMillion}; deliver Lambda s per million: ${detail.lambda.deliverSecondsPerMillion}`,
);
console.log(
  `invariants: lost ${summary.lost}, order violations ${summary.orderViolations}, duplicates ${summary.duplicates}, lag ${summary.lag}`,
);
if (stoppedBy !== 'committed' || !summary.ok) {
  console.error(`run not clean: ${stoppedBy}; ${problems.slice(0, 5).join('\n')}`);
  process.exitCode = 1;
}
process.exit();

async function readPrevious(): Promise<Record<string, unknown>> {
  try {
    const text = await readFile(join(RESULTS_DIR, 'cost.json'), 'utf8');
    const parsed = JSON.parse(text) as { runs?: Record<string, unknown> };
    return parsed.runs ?? {};
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {};
    throw error;
  }
}

async function pollerCpuUsPerRecord(): Promise<{ cpuUsPerRecord: number; source: string } | undefined> {
  let text: string;
  try {
    text = await readFile(join(RESULTS_DIR, 'poller.json'), 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as {
    date?: string;
    results?: { valueBytes?: number; cpuUsPerRecord?: number }[];
  };
  // Our records are small JSON orders: a 1 KiB measurement is the comparable one (64 KiB values
  // go through more SQS chunks and cost the poller far more CPU per record).
  const candidates = (parsed.results ?? []).filter(
    (r): r is { valueBytes: number; cpuUsPerRecord: number } =>
      typeof r.cpuUsPerRecord === 'number' && typeof r.valueBytes === 'number' && r.valueBytes <= 4096,
  );
  candidates.sort((a, b) => a.valueBytes - b.valueBytes);
  const smallest = candidates[0];
  if (smallest === undefined) return undefined;
  return {
    cpuUsPerRecord: smallest.cpuUsPerRecord,
    source: `bench/results/poller.json (${parsed.date ?? 'undated'}, ${smallest.valueBytes}-byte values)`,
  };
}
