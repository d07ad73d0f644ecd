// How long the config takes to parse as routes grow (docs/benchmarks.md, "Config parse"): every
// cold start of a function and the poller parses the whole config. For 100, 500, 2,000 and 5,000
// routes (one topic each, defaults otherwise) it times parseBridgeConfig, the median of
// `--runs` runs, and writes bench/results/config-parse.json. `npm run bench:config-parse`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseBridgeConfig } from '../lib/config/index.ts';
import { exitIfArgsCheck, numericArgs } from './lib/args.ts';

const args = numericArgs({ runs: 5 });
exitIfArgsCheck();
const COUNTS = [100, 500, 2_000, 5_000];

function config(routes: number): unknown {
  return {
    kafka: { brokers: ['b-1.kafka.example.com:9096'] },
    routes: Array.from({ length: routes }, (_, i) => ({
      name: `route-${i}`,
      topics: [`topic-${i}`],
      endpoint: { type: 'http', url: `https://route-${i}.example.com/kafka` },
    })),
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

console.log(
  `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${args.runs} runs each`,
);
console.log('| routes | parse ms (median) | ms per route |');
console.log('| ---: | ---: | ---: |');
const results = [];
for (const routes of COUNTS) {
  const input = config(routes);
  const times: number[] = [];
  for (let run = 0; run < args.runs; run++) {
    const started = performance.now();
    const parsed = parseBridgeConfig(input);
    times.push(performance.now() - started);
    if (parsed.routes.length !== routes)
      throw new Error(`parsed ${parsed.routes.length} of ${routes} routes`);
  }
  const ms = median(times);
  console.log(`| ${routes} | ${ms.toFixed(0)} | ${(ms / routes).toFixed(3)} |`);
  results.push({
    routes,
    parseMsMedian: Math.round(ms),
    msPerRoute: Number((ms / routes).toFixed(3)),
    runs: times.map(Math.round),
  });
}
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/config-parse.json', import.meta.url),
  `${JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, results }, null, 2)}\n`,
);
