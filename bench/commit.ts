// Benchmark (not a test): how soon the progress group's committed offset passes a record the
// endpoint accepted, and whether the commit cadence caps one partition's throughput. See
// docs/benchmarks.md.
//   npm run bench:commit -- [--latencyMs=5] [--rate=20] [--seconds=30] [--records=3000]
// The bridge runs in local mode with the deployed wiring (lib/local/triggers.ts: the commit
// function from the completions table's stream with the template's batching window, and its
// 1-minute schedule; every route default, maxInFlight 1,000 and concurrency 10; the poller reads
// its progress group as often as deployed), one partition, a fast endpoint:
//  1. `rate` records/s for `seconds`: commit latency per record = the first moment the sampled
//     committed offset (every 100 ms) passes it, minus the endpoint's 2xx for it;
//  2. a backlog of `records`: the partition's steady delivery rate (5th-95th percentile of
//     arrivals), the committed offset's rate over the same time, and the share of 100 ms samples
//     in which the poller held the partition paused at maxInFlight (waiting for a commit): near
//     0, the commit cadence does not limit the partition; and the share in which it was paused
//     while the route queue was empty (the deliverers idle, waiting on a commit).
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { KafkaOffsets } from '../lib/kafka/offsets.ts';
import { destroyClients, localClients } from '../lib/local/clients.ts';
import { DEFAULT_PROGRESS_POLL_MS } from '../lib/poller/route-poller.ts';
import { createKafka, deleteTopics } from '../test/support/kafka.ts';
import { exitIfArgsCheck, numericArgs } from './lib/args.ts';
import { startBridge } from './lib/bridge.ts';
import { type Arrival, BenchEndpoint } from './lib/endpoint.ts';
import { prepareBench, writeResult } from './lib/env.ts';
import { untilDelivered } from './lib/phases.ts';
import { percentile, round, steadyRate, waitUntil } from './lib/stats.ts';
import { connectProducer, createWorkload, produceAtRate, produceBacklog } from './lib/workload.ts';

const params = numericArgs({ latencyMs: 5, rate: 20, seconds: 30, records: 3000 });
exitIfArgsCheck();
const { latencyMs, rate, seconds, records } = params;
const { dynamodb, machine } = await prepareBench();

const endpoint = await BenchEndpoint.start(latencyMs);
const workload = await createWorkload('bench-commit', 1, 200);
const producer = await connectProducer();
const offsets = new KafkaOffsets(createKafka('bench-commit-offsets'));
await offsets.connect();
const samples: { at: number; committed: bigint; waitingForCommit: boolean; queued: number }[] = [];
const aws = localClients();
const { sqs } = aws;
let sampling = true;

/** The record's offset, the last part of its id (`<route>/<topic>/<partition>/<offset>`). */
const offsetOf = (arrival: Arrival) => BigInt(arrival.recordId.split('/').at(-1) ?? '-1');

/** ms from the endpoint's 2xx for each record to the first sample whose committed offset passes it. */
function commitLatencies(arrivals: readonly Arrival[]): number[] {
  return arrivals.flatMap((a) => {
    const answeredAt = a.at + latencyMs;
    const offset = offsetOf(a);
    const passed = samples.find((s) => s.committed > offset && s.at >= answeredAt);
    return passed === undefined ? [] : [passed.at - answeredAt];
  });
}

try {
  const bridge = await startBridge({
    topic: workload.topic,
    endpointUrl: endpoint.url,
    progressPollMs: DEFAULT_PROGRESS_POLL_MS,
  });
  const group = bridge.route;
  // What the template gave the commit function, as the running bridge configured it.
  const commitFn = bridge.bridge.configured().find((f) => f.function === 'commit');
  const stream = commitFn?.streams[0];
  if (stream === undefined) throw new Error('the commit function runs from no stream');
  const sample = async () => {
    while (sampling) {
      const committed = (await offsets.committed(group.name, workload.topic)).get(0);
      const partition = bridge.bridge.progress()[0]?.poller.partitions[0];
      const waitingForCommit = partition?.paused.includes('in-flight') ?? false;
      const queue = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: bridge.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      const queued = Number(queue.Attributes?.ApproximateNumberOfMessages ?? 0);
      if (committed !== undefined) samples.push({ at: Date.now(), committed, waitingForCommit, queued });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const sampler = sample();
  const committedTo = (end: bigint, what: string) =>
    waitUntil(
      what,
      async () => (samples.at(-1)?.committed ?? -1n) >= end,
      180_000,
      async () =>
        `committed ${samples.at(-1)?.committed ?? 'nothing'} of ${end}; ${bridge.problems.slice(-3).join('; ')}`,
    );
  try {
    console.log(`phase 1: ${rate} records/s for ${seconds} s to ${workload.topic} (1 partition)`);
    endpoint.reset();
    const steadyCount = Math.round(rate * seconds);
    const next = await produceAtRate(producer, workload, rate, seconds);
    const steady = await untilDelivered(endpoint, steadyCount, 'the steady phase delivered', 180_000);
    await committedTo(BigInt(next), 'the steady phase committed');
    const latencies = commitLatencies(steady.delivered);

    console.log(`phase 2: a backlog of ${records} records`);
    endpoint.reset();
    const backlogStart = Date.now();
    const end = await produceBacklog(producer, workload, records, next);
    const backlog = await untilDelivered(endpoint, records, 'the backlog delivered', 600_000);
    await committedTo(BigInt(end), 'the backlog committed');
    const perPartitionRecordsPerSec = round(steadyRate(backlog.delivered));
    const inBacklog = samples.filter((s) => s.at >= backlogStart);
    const first = inBacklog[0];
    const last = inBacklog.at(-1);
    const committedPerSec =
      first === undefined || last === undefined || last.at === first.at
        ? 0
        : round(Number(last.committed - first.committed) / ((last.at - first.at) / 1000));
    // Until the last record was delivered: afterwards nothing is left to poll.
    const lastArrival = Math.max(...backlog.delivered.map((a) => a.at));
    const backlogSamples = inBacklog.filter((s) => s.at <= lastArrival);
    const share = (match: (s: (typeof samples)[number]) => boolean) =>
      round(backlogSamples.filter(match).length / Math.max(1, backlogSamples.length), 2);
    const waitingForCommitShare = share((s) => s.waitingForCommit);
    // The commit cadence limits the partition only when the deliverers have nothing to take.
    const starvedByCommitShare = share((s) => s.waitingForCommit && s.queued === 0);

    const result = {
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      perPartitionRecordsPerSec,
      committedRecordsPerSec: committedPerSec,
      waitingForCommitShare,
      starvedByCommitShare,
      params: {
        ...params,
        maxInFlight: group.maxInFlight,
        concurrency: group.concurrency,
        latencyMeasure:
          'first 100 ms sample of the progress group offset past the record, minus the endpoint 2xx (arrival + latencyMs)',
        throughputMeasure:
          'steady delivery rate on the backlog: arrivals between the 5th and 95th percentile',
        wiring: `the template: commit from the table stream (batch ${stream.batchSize}, batching window ${stream.batchingWindowMs / 1000} s, ${stream.maximumRetryAttempts} retries) and ${commitFn?.schedules.map((s) => `rate(${s.rateMs / 1000} s)`).join(', ')}`,
        progressPollMs: DEFAULT_PROGRESS_POLL_MS,
        waitingMeasure:
          'share of 100 ms samples during the backlog (until its last delivery) with the partition paused at maxInFlight',
        starvedMeasure:
          'share of those samples paused at maxInFlight while the route queue held no visible message (the deliverers waiting on a commit)',
        dynamodb,
      },
      detail: {
        latencySamples: latencies.length,
        steadyDelivered: steady.delivered.length,
        backlogDelivered: backlog.delivered.length,
        maxMs: Math.max(...latencies),
        problems: bridge.problems.slice(0, 10),
      },
      machine,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `commit latency p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; one partition ${perPartitionRecordsPerSec} records/s delivered, ${committedPerSec}/s committed, paused at maxInFlight ${Math.round(waitingForCommitShare * 100)}% of the backlog, with the queue empty ${Math.round(starvedByCommitShare * 100)}%`,
    );
    await writeResult('commit', result);
  } finally {
    sampling = false;
    await sampler;
    await bridge.stop();
  }
} finally {
  await offsets.disconnect();
  destroyClients(aws);
  await producer.disconnect();
  await endpoint.stop();
  await deleteTopics([workload.topic]);
}
