// Benchmark (not a test): per-key parallelism (the bridge) against partition order (the peer),
// same topic, same endpoint latency, same concurrency, in one run. See docs/benchmarks.md.
//   npm run bench:parallelism -- [--partitions=4] [--keys=1000] [--latencyMs=100]
//     [--concurrency=20] [--records=3000] [--rate=25] [--seconds=20]
// Phases, each consumer alone on the machine:
//  1. `records` records are produced at once (a backlog); the partition-ordered consumer reads
//     the topic from its beginning: throughput = its steady delivery rate on the backlog;
//  2. with it caught up, `rate` records/s are produced for `seconds`: its end-to-end latency
//     (record timestamp at produce -> endpoint arrival) at a rate both can sustain;
//  3. the bridge (LocalBridge, its own groups) starts on the same topic from its beginning:
//     its throughput on that backlog (phase 1's and 2's records);
//  4. and its latency at the same offered rate.
// bound = concurrency / latency: no consumer that holds `concurrency` calls open can do better.

import { deleteTopics } from '../test/support/kafka.ts';
import { exitIfArgsCheck, numericArgs } from './lib/args.ts';
import { benchRoute, startBridge } from './lib/bridge.ts';
import { BenchEndpoint } from './lib/endpoint.ts';
import { prepareBench, writeComparison, writeResult } from './lib/env.ts';
import { PartitionOrderedConsumer } from './lib/partition-ordered.ts';
import { untilDelivered } from './lib/phases.ts';
import { latencyOf, round, steadyRate } from './lib/stats.ts';
import { connectProducer, createWorkload, produceAtRate, produceBacklog } from './lib/workload.ts';

const params = numericArgs({
  partitions: 4,
  keys: 1000,
  latencyMs: 100,
  concurrency: 20,
  records: 3000,
  rate: 25,
  seconds: 20,
});
exitIfArgsCheck();
const { partitions, keys, latencyMs, concurrency, records, rate, seconds } = params;
const boundRps = concurrency / (latencyMs / 1000);
const peerBound = Math.min(partitions, concurrency) / (latencyMs / 1000);
if (rate >= peerBound) {
  throw new Error(
    `--rate=${rate} must stay below the partition-ordered consumer's bound (${peerBound}/s), so both sustain it`,
  );
}

const { dynamodb, machine } = await prepareBench();

const endpoint = await BenchEndpoint.start(latencyMs);
const workload = await createWorkload('bench-parallel', partitions, keys);
const producer = await connectProducer();
const latencyRecords = Math.round(rate * seconds);
// Generous: a phase that takes longer than this is broken, not slow.
const phaseTimeout = (count: number, perSecond: number) => Math.max(60_000, (count / perSecond) * 4_000);

try {
  console.log(`producing ${records} records to ${workload.topic} (${partitions} partitions, ${keys} keys)`);
  let next = await produceBacklog(producer, workload, records);

  // The peer.
  const route = benchRoute({ topic: workload.topic, endpointUrl: endpoint.url, concurrency });
  const peer = new PartitionOrderedConsumer({ route, topic: workload.topic, partitions, concurrency });
  endpoint.reset();
  await peer.start();
  const peerBacklog = await untilDelivered(
    endpoint,
    records,
    'the partition-ordered consumer to deliver the backlog',
    phaseTimeout(records, peerBound),
  );
  endpoint.reset();
  next = await produceAtRate(producer, workload, rate, seconds, next);
  const peerSteady = await untilDelivered(
    endpoint,
    latencyRecords,
    'the partition-ordered consumer to deliver the steady phase',
    phaseTimeout(latencyRecords, rate),
  );
  await peer.stop();

  // The bridge, from the beginning of the same topic.
  const backlog = records + latencyRecords;
  endpoint.reset();
  const bridge = await startBridge({ topic: workload.topic, endpointUrl: endpoint.url, concurrency });
  let bridgeBacklog: Awaited<ReturnType<typeof untilDelivered>>;
  let bridgeSteady: Awaited<ReturnType<typeof untilDelivered>>;
  const cpuBefore = process.cpuUsage();
  try {
    bridgeBacklog = await untilDelivered(
      endpoint,
      backlog,
      'the bridge to deliver the backlog',
      phaseTimeout(backlog, boundRps / 4),
      () => bridge.problems.slice(-3).join('; '),
    );
    endpoint.reset();
    await produceAtRate(producer, workload, rate, seconds, next);
    bridgeSteady = await untilDelivered(
      endpoint,
      latencyRecords,
      'the bridge to deliver the steady phase',
      phaseTimeout(latencyRecords, rate),
    );
  } finally {
    await bridge.stop();
  }
  const cpu = process.cpuUsage(cpuBefore);

  const bridgeRps = round(steadyRate(bridgeBacklog.delivered));
  const partitionOrderedRps = round(steadyRate(peerBacklog.delivered));
  const bridgeLatency = latencyOf(bridgeSteady.delivered);
  const peerLatency = latencyOf(peerSteady.delivered);
  const result = {
    bridgeRps,
    partitionOrderedRps,
    ratio: round(bridgeRps / partitionOrderedRps, 2),
    boundRps,
    fractionOfBound: round(bridgeRps / boundRps, 3),
    p50Ms: bridgeLatency.p50Ms,
    p99Ms: bridgeLatency.p99Ms,
    partitionOrderedP50Ms: peerLatency.p50Ms,
    partitionOrderedP99Ms: peerLatency.p99Ms,
    partitionOrderedBoundRps: peerBound,
    params: {
      ...params,
      backlogRecordsBridge: backlog,
      steadyRecords: latencyRecords,
      throughputMeasure:
        'steady delivery rate on a backlog: arrivals between the 5th and 95th percentile arrival time',
      latencyMeasure: `endpoint arrival minus Kafka record timestamp (produce time), at a steady offered ${rate} records/s for ${seconds} s`,
      dynamodb,
    },
    detail: {
      bridgeRequests: bridgeBacklog.requests + bridgeSteady.requests,
      bridgeDelivered: bridgeBacklog.delivered.length + bridgeSteady.delivered.length,
      bridgeProcessCpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
      bridgeProblems: bridge.problems.slice(0, 10),
      partitionOrderedRequests: peerBacklog.requests + peerSteady.requests,
      partitionOrderedDeadLetters: peer.deadLetters.length,
    },
    machine,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `bridge ${bridgeRps}/s (${Math.round(result.fractionOfBound * 100)}% of the ${boundRps}/s bound), partition-ordered ${partitionOrderedRps}/s: x${result.ratio}; ` +
      `latency p50/p99 bridge ${bridgeLatency.p50Ms}/${bridgeLatency.p99Ms} ms, partition-ordered ${peerLatency.p50Ms}/${peerLatency.p99Ms} ms`,
  );
  await writeResult('parallelism', result);
  const setting = `${partitions} partitions, ${keys} keys, concurrency ${concurrency}, endpoint ${latencyMs} ms`;
  await writeComparison('parallelism', {
    title: `Throughput on a backlog (${setting})`,
    yLabel: 'records/s',
    seriesNames: ['measured', 'bound'],
    bridge: [bridgeRps, boundRps],
    partitionOrdered: [partitionOrderedRps, peerBound],
  });
  await writeComparison('parallelism-latency', {
    title: `Produce-to-endpoint latency at ${rate} records/s (${setting})`,
    yLabel: 'ms',
    seriesNames: ['p50', 'p99'],
    bridge: [bridgeLatency.p50Ms, bridgeLatency.p99Ms],
    partitionOrdered: [peerLatency.p50Ms, peerLatency.p99Ms],
  });
} finally {
  await producer.disconnect();
  await endpoint.stop();
  await deleteTopics([workload.topic]);
}
