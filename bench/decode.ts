// Benchmark (not a test): CPU per record of a route's Avro decode stage (lib/decode: the
// Confluent wire format, the schema fetched once and then cached) and the envelope of what it
// decoded, against the envelope of the same record undecoded: what a decode stage adds to the
// poller's CPU per record (docs/benchmarks.md, "Poller with an Avro route"). No broker or
// network: the registry answers from memory, once. Run:
//   npm run bench:decode -- [--records=20000] [--runs=5]
// Writes bench/results/decode.json.
import { createRouteDecoder } from '../lib/decode/index.ts';
import { deduplicationId, encodeEnvelope, messageGroupId } from '../lib/envelope/index.ts';
import { exitIfArgsCheck, numericArgs } from './lib/args.ts';
import { avroOrder, memoryOrderRegistry, ORDER_DECODE } from './lib/avro-orders.ts';
import { machineFacts, writeResult } from './lib/env.ts';

const args = numericArgs({ records: 20_000, runs: 5 });
exitIfArgsCheck();

const { clients, fetched } = memoryOrderRegistry();
const decoder = createRouteDecoder(ORDER_DECODE, clients);

const values = Array.from({ length: 1_000 }, (_, i) => avroOrder(i));
const keys = Array.from({ length: 2_000 }, (_, i) => Buffer.from(`key-${i}`));
const ROUTE = 'bench-route';
const TOPIC = 'bench-orders';

/** The envelope step's work for one record whose value is `value` (envelope-step.ts#outgoing). */
function envelope(i: number, value: Buffer): number {
  const offset = String(1_000_000 + i);
  const ref = { route: ROUTE, topic: TOPIC, partition: 3, offset };
  const key = keys[i % keys.length] as Buffer;
  const body = encodeEnvelope({
    ...ref,
    from: offset,
    timestamp: '1765000000000',
    key,
    headers: [],
    value: { inline: value },
  });
  messageGroupId({ key, partition: 3, offset, ordering: 'key' });
  deduplicationId(ref);
  return Buffer.byteLength(body);
}

type Variant = (i: number) => number | Promise<number>;
const VARIANTS: Record<string, Variant> = {
  // Today's route without a decode stage: the value's bytes go into the envelope as they are.
  'envelope only (no decode stage)': (i) => envelope(i, values[i % values.length] as Buffer),
  'Avro decode only': async (i) => {
    const decoded = await decoder({ key: null, value: values[i % values.length] as Buffer });
    return decoded.value === null ? 0 : 1;
  },
  // The decoded value as JSON text in the envelope (how it travels is the decode stage's choice).
  'Avro decode + JSON + envelope': async (i) => {
    const decoded = await decoder({ key: null, value: values[i % values.length] as Buffer });
    return envelope(i, Buffer.from(JSON.stringify({ value: decoded.value, schema: decoded.schema })));
  },
};

const cpuNow = (): number => {
  const used = process.cpuUsage();
  return used.user + used.system;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const machine = machineFacts();
console.log(
  `Node ${machine.node}, ${machine.cpus} x ${machine.cpuModel}, load average ${machine.loadAverage1m}, ` +
    `Avro value ${values[0]?.byteLength} bytes (Confluent wire format), ${args.records} records x ${args.runs} runs, median`,
);
console.log('| work per record | CPU µs/record (median) | runs |');
console.log('| --- | ---: | --- |');
const results: Record<string, { readonly cpuUsPerRecord: number; readonly runs: number[] }> = {};
// Warm up every variant first (the JIT, the schema fetch), then alternate them run by run.
for (const variant of Object.values(VARIANTS)) for (let i = 0; i < 2_000; i++) await variant(i);
const runs: Record<string, number[]> = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, []]));
for (let run = 0; run < args.runs; run++) {
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const before = cpuNow();
    for (let i = 0; i < args.records; i++) await variant(i);
    runs[name]?.push((cpuNow() - before) / args.records);
  }
}
for (const [name, perRun] of Object.entries(runs)) {
  const cpuUsPerRecord = Number(median(perRun).toFixed(2));
  results[name] = { cpuUsPerRecord, runs: perRun.map((x) => Number(x.toFixed(2))) };
  console.log(`| ${name} | ${cpuUsPerRecord} | ${perRun.map((x) => x.toFixed(1)).join(' / ')} |`);
}
if (fetched() !== 1) throw new Error(`the schema was fetched ${fetched()} times, not once`);
const added =
  (results['Avro decode + JSON + envelope']?.cpuUsPerRecord ?? 0) -
  (results['envelope only (no decode stage)']?.cpuUsPerRecord ?? 0);
console.log(`A decode stage adds about ${added.toFixed(1)} µs of CPU per record.`);

await writeResult('decode', {
  machine,
  parameters: { ...args, avroValueBytes: values[0]?.byteLength },
  results,
  decodeStageAddsCpuUsPerRecord: Number(added.toFixed(2)),
});
