// Benchmark (not a test): the bridge's throughput as deliverer concurrency, partitions and keys
// grow, on this machine, next to the bounds: the bridge's min(concurrency, keys) / latency and
// the partition-ordered consumer's min(partitions, concurrency) / latency (computed, not run: its
// measured rate in bench:parallelism sits on that bound). See docs/benchmarks.md.
//   npm run bench:scale -- [--latencyMs=100] [--records=600]
// Each point: a new topic with a backlog of `records` records, the bridge (LocalBridge) started
// on it from the beginning, the steady delivery rate (5th to 95th percentile of arrivals).
import { join } from 'node:path';
import { deleteTopics } from '../test/support/kafka.ts';
import { exitIfArgsCheck, numericArgs } from './lib/args.ts';
import { startBridge } from './lib/bridge.ts';
import { BenchEndpoint } from './lib/endpoint.ts';
import { prepareBench, RESULTS_DIR, writeResult } from './lib/env.ts';
import { untilDelivered } from './lib/phases.ts';
import { lineChart, type Series, writeSvg } from './lib/plot.ts';
import { round, steadyRate } from './lib/stats.ts';
import { connectProducer, createWorkload, produceBacklog } from './lib/workload.ts';

const params = numericArgs({ latencyMs: 100, records: 600 });
exitIfArgsCheck();
const { latencyMs, records } = params;

interface Setting {
  readonly partitions: number;
  readonly keys: number;
  readonly concurrency: number;
}

interface PointResult extends Setting {
  readonly bridgeRps: number;
  readonly bridgeBoundRps: number;
  readonly partitionOrderedBoundRps: number;
  readonly seconds: number;
}

const BASE: Setting = { partitions: 4, keys: 1000, concurrency: 20 };
const sweeps: Record<'concurrency' | 'partitions' | 'keys', Setting[]> = {
  concurrency: [5, 10, 20, 40].map((concurrency) => ({ ...BASE, concurrency })),
  partitions: [1, 2, 4, 8].map((partitions) => ({ ...BASE, partitions })),
  keys: [5, 20, 100, 1000].map((keys) => ({ ...BASE, keys })),
};

const { dynamodb, machine } = await prepareBench();
const started = Date.now();

const endpoint = await BenchEndpoint.start(latencyMs);
const producer = await connectProducer();
const perSecond = 1000 / latencyMs;
const measured = new Map<string, PointResult>();
const topics: string[] = [];

async function point(setting: Setting): Promise<PointResult> {
  const id = `${setting.partitions}/${setting.keys}/${setting.concurrency}`;
  const known = measured.get(id);
  if (known !== undefined) return known;
  const workload = await createWorkload('bench-scale', setting.partitions, setting.keys);
  // Deleted at the end: the producer keeps refreshing the metadata of every topic it wrote to,
  // and fails once one of them is gone.
  topics.push(workload.topic);
  await produceBacklog(producer, workload, records);
  endpoint.reset();
  const t0 = Date.now();
  const bridge = await startBridge({
    topic: workload.topic,
    endpointUrl: endpoint.url,
    concurrency: setting.concurrency,
  });
  try {
    const result = await untilDelivered(endpoint, records, `the bridge at ${id}`, 300_000);
    const figures: PointResult = {
      ...setting,
      bridgeRps: round(steadyRate(result.delivered)),
      bridgeBoundRps: Math.min(setting.concurrency, setting.keys) * perSecond,
      partitionOrderedBoundRps: Math.min(setting.partitions, setting.concurrency) * perSecond,
      seconds: round((Date.now() - t0) / 1000),
    };
    console.log(
      `partitions ${setting.partitions}, keys ${setting.keys}, concurrency ${setting.concurrency}: ${figures.bridgeRps}/s (bound ${figures.bridgeBoundRps}/s)`,
    );
    measured.set(id, figures);
    return figures;
  } finally {
    await bridge.stop();
  }
}

try {
  const results: Record<string, PointResult[]> = {};
  for (const [name, settings] of Object.entries(sweeps)) {
    results[name] = [];
    for (const setting of settings) results[name].push(await point(setting));
  }
  const result = {
    params: {
      ...params,
      base: BASE,
      sweeps,
      dynamodb,
      throughputMeasure: 'steady delivery rate on a backlog (5th to 95th percentile of arrivals)',
    },
    results,
    totalSeconds: round((Date.now() - started) / 1000),
    machine,
  };
  await writeResult('scale', result);
  const axis = {
    concurrency: 'deliverer concurrency',
    partitions: 'partitions',
    keys: 'distinct keys',
  } as const;
  for (const [name, points] of Object.entries(results)) {
    const x = (p: PointResult) => p[name as keyof typeof axis];
    const series: Series[] = [
      { name: 'bridge (measured)', points: points.map((p) => ({ x: x(p), y: p.bridgeRps })) },
      {
        name: 'bridge bound min(C, keys)/latency',
        points: points.map((p) => ({ x: x(p), y: p.bridgeBoundRps })),
        dashed: true,
      },
      {
        name: 'partition-ordered bound min(P, C)/latency',
        points: points.map((p) => ({ x: x(p), y: p.partitionOrderedBoundRps })),
        dashed: true,
      },
    ];
    await writeSvg(
      join(RESULTS_DIR, `scale-${name}.svg`),
      lineChart({
        title: `Throughput vs ${axis[name as keyof typeof axis]} (endpoint latency ${latencyMs} ms)`,
        xLabel: `${axis[name as keyof typeof axis]} (others: ${BASE.partitions} partitions, ${BASE.keys} keys, concurrency ${BASE.concurrency})`,
        yLabel: 'records/s',
        series,
        xLog2: true,
      }),
    );
  }
} finally {
  await producer.disconnect();
  await endpoint.stop();
  await deleteTopics(topics);
}
