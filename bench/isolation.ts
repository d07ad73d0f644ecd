// Benchmark (not a test): head-of-line isolation. One key's requests always fail (the endpoint
// answers 500 for it); how fast are the OTHER keys delivered, as a fraction of a clean run,
// by the bridge and by the partition-ordered consumer? See docs/benchmarks.md.
//   npm run bench:isolation -- [--partitions=4] [--keys=1000] [--latencyMs=100]
//     [--concurrency=20] [--records=2000]
// Both use the route's default retry policy (8 attempts in all, backoff steps 200 ms * 2^n with
// full jitter): the bridge as the product does (3 quick attempts in process, the rest as SQS
// visibility timeouts, then dead letter and key quarantine, the key's later records parked);
// the peer retries each failing record in place with the same attempts and steps, then skips
// it to a dead-letter list (Kafka Connect's errors.tolerance=all with a dead-letter topic).
// Each of the four runs (clean and failing, for each consumer) reads a backlog of `records`
// records from the beginning of its topic. Other keys' rate = their records / (last of their
// arrivals - first arrival of the run).

import { deleteTopics } from '../test/support/kafka.ts';
import { exitIfArgsCheck, numericArgs } from './lib/args.ts';
import { benchRoute, startBridge } from './lib/bridge.ts';
import { type Arrival, BenchEndpoint } from './lib/endpoint.ts';
import { prepareBench, writeComparison, writeResult } from './lib/env.ts';
import { PartitionOrderedConsumer } from './lib/partition-ordered.ts';
import { type PhaseResult, untilDelivered } from './lib/phases.ts';
import { round } from './lib/stats.ts';
import { connectProducer, createWorkload, keyOf, produceBacklog, type Workload } from './lib/workload.ts';

const params = numericArgs({ partitions: 4, keys: 1000, latencyMs: 100, concurrency: 20, records: 2000 });
exitIfArgsCheck();
const { partitions, keys, latencyMs, concurrency, records } = params;
const failingKey = keyOf(7, keys);

const { dynamodb, machine } = await prepareBench();

/** Records of other keys than the failing one, in a backlog of `records`. */
let otherRecords = 0;
for (let i = 0; i < records; i++) if (keyOf(i, keys) !== failingKey) otherRecords++;
const failingRecords = records - otherRecords;

interface RunFigures {
  readonly otherKeysRps: number;
  readonly seconds: number;
  readonly requests: number;
  readonly failingKeyRequests: number;
}

function figures(result: PhaseResult): RunFigures {
  const others = result.delivered.filter((a) => a.key !== failingKey);
  const start = Math.min(...result.seen.map((a) => a.at));
  const end = Math.max(...others.map((a) => a.at));
  const seconds = (end - start) / 1000;
  const failing = result.seen.filter((a: Arrival) => a.key === failingKey);
  return {
    otherKeysRps: round(others.length / seconds),
    seconds: round(seconds),
    requests: result.requests,
    failingKeyRequests: failing.reduce((sum, a) => sum + a.requests, 0),
  };
}

async function peerRun(workload: Workload, endpoint: BenchEndpoint, expected: number) {
  const route = benchRoute({ topic: workload.topic, endpointUrl: endpoint.url, concurrency });
  const peer = new PartitionOrderedConsumer({ route, topic: workload.topic, partitions, concurrency });
  endpoint.reset();
  await peer.start();
  try {
    const result = await untilDelivered(endpoint, expected, 'the partition-ordered consumer', 400_000);
    return { ...figures(result), deadLetters: peer.deadLetters.length };
  } finally {
    await peer.stop();
  }
}

async function bridgeRun(workload: Workload, endpoint: BenchEndpoint, expected: number) {
  endpoint.reset();
  const bridge = await startBridge({ topic: workload.topic, endpointUrl: endpoint.url, concurrency });
  try {
    const result = await untilDelivered(endpoint, expected, 'the bridge', 300_000, () =>
      bridge.problems.slice(-2).join('; '),
    );
    return { ...figures(result), problems: bridge.problems.length };
  } finally {
    await bridge.stop();
  }
}

const clean = await BenchEndpoint.start(latencyMs);
const failing = await BenchEndpoint.start(latencyMs, failingKey);
const producer = await connectProducer();
const topics: string[] = [];
try {
  const cleanTopic = await createWorkload('bench-iso-clean', partitions, keys);
  const failingTopic = await createWorkload('bench-iso-failing', partitions, keys);
  topics.push(cleanTopic.topic, failingTopic.topic);
  await produceBacklog(producer, cleanTopic, records);
  await produceBacklog(producer, failingTopic, records);

  console.log('partition-ordered consumer, clean run');
  const peerClean = await peerRun(cleanTopic, clean, records);
  console.log(JSON.stringify(peerClean));
  console.log(`partition-ordered consumer, ${failingKey} failing`);
  const peerFailing = await peerRun(failingTopic, failing, otherRecords);
  console.log(JSON.stringify(peerFailing));
  console.log('bridge, clean run');
  const bridgeClean = await bridgeRun(cleanTopic, clean, records);
  console.log(JSON.stringify(bridgeClean));
  console.log(`bridge, ${failingKey} failing`);
  const bridgeFailing = await bridgeRun(failingTopic, failing, otherRecords);
  console.log(JSON.stringify(bridgeFailing));

  const route = benchRoute({ topic: cleanTopic.topic, endpointUrl: clean.url, concurrency });
  const result = {
    bridgeFraction: round(bridgeFailing.otherKeysRps / bridgeClean.otherKeysRps, 3),
    partitionOrderedFraction: round(peerFailing.otherKeysRps / peerClean.otherKeysRps, 3),
    params: {
      ...params,
      failingKey,
      failingRecords,
      otherRecords,
      retry: route.retry,
      onPoison: route.onPoison,
      peerPolicy: `the route's retry policy in place (${route.retry.attempts} attempts, ${route.retry.baseMs} ms * 2^n, ${route.retry.jitter} jitter), then skipped to a dead-letter list`,
      measure: "other keys' records / (their last arrival - the run's first arrival)",
      dynamodb,
    },
    runs: {
      bridgeClean,
      bridgeFailing,
      partitionOrderedClean: peerClean,
      partitionOrderedFailing: peerFailing,
    },
    machine,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `other keys keep ${Math.round(result.bridgeFraction * 100)}% of their clean rate with the bridge, ` +
      `${Math.round(result.partitionOrderedFraction * 100)}% with the partition-ordered consumer`,
  );
  await writeResult('isolation', result);
  await writeComparison('isolation', {
    title: `Other keys' records/s, clean vs ${failingKey} always failing (${partitions} partitions, concurrency ${concurrency})`,
    yLabel: 'records/s of the other keys',
    seriesNames: ['clean run', 'one key failing'],
    bridge: [bridgeClean.otherKeysRps, bridgeFailing.otherKeysRps],
    partitionOrdered: [peerClean.otherKeysRps, peerFailing.otherKeysRps],
  });
} finally {
  await producer.disconnect();
  await clean.stop();
  await failing.stop();
  await deleteTopics(topics);
}
