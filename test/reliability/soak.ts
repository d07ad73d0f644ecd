// Soak run (issue 9, not in CI): one route of the bridge on the real local broker and emulators,
// records produced at a steady rate for a bounded time, faults injected at random one after
// another, then the invariant checker's figures. Exits 1 when a record was lost, a key's order
// broke, the commit passed an unfinished record or a duplicate has no explanation.
//
//   npm run soak -- --rate 8 --minutes 3 [--records N] [--partitions 3] [--keys 60] [--seed 1]
//
// Faults (each lasts a few seconds, with a quiet gap after it, so every duplicate has one cause):
// - poller-kill: the poller child process (functions/poller.ts) is SIGKILLed and restarted;
// - poller-term: SIGTERM (graceful stop) and restart;
// - endpoint-5xx: every request answered 503;
// - endpoint-slow: answers after 200-500 ms, and every 4th after the deliverer's 2 s timeout (late:
//   the endpoint accepted it, the deliverer sends it again: an explained duplicate);
// - endpoint-down: the endpoint's port is closed (connection refused), then served again;
// - endpoint-garbage: malformed status lines and connection resets;
// - deliverer-crash: the deliverer dies after the endpoint answered 2xx and before the
//   completion write, for a few records (each may be accepted twice: an explained duplicate).
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { exitIfArgsCheck } from '../../bench/lib/args.ts';
import { destroyClients, localClients } from '../../lib/local/clients.ts';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import { assertKafkaReachable } from '../support/kafka.ts';
import { randomInt, seededRandom } from '../unit/envelope/seeded-random.ts';
import { LOST_ENTRY, type NotedResponse, ReliabilityRun, reportLine } from './harness.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string' },
    rate: { type: 'string', default: '8' },
    minutes: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '3' },
    keys: { type: 'string', default: '60' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
  },
});

function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number, got ${text}`);
  return value;
}

const rate = positive('rate', args.rate);
const minutes = positive('minutes', args.minutes);
const records = Math.floor(positive('records', args.records ?? String(Math.ceil(rate * minutes * 60))));
const partitions = Math.floor(positive('partitions', args.partitions));
const keys = Math.floor(positive('keys', args.keys));
const seed = Math.floor(positive('seed', args.seed));
exitIfArgsCheck();

const random = seededRandom(seed);
const between = (low: number, high: number): number => randomInt(random, low, high);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Slow answers take at most 500 ms: 1.5 s below the timeout, so a loaded machine's event-loop
// stalls (the endpoint and the deliverer share this process) do not turn them into late ones.
const TIMEOUT_MS = 2_000;
const LATE = `the endpoint answered 2xx after the deliverer's ${TIMEOUT_MS} ms timeout, so the deliverer sent it again`;
const CRASHED = 'the deliverer crashed after the endpoint answered and before the completion was written';
const FAULTS = [
  'poller-kill',
  'poller-term',
  'endpoint-5xx',
  'endpoint-slow',
  'endpoint-down',
  'endpoint-garbage',
  'deliverer-crash',
] as const;
type Fault = (typeof FAULTS)[number];

function log(message: string): void {
  process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  await assertKafkaReachable();
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  const clients = localClients();
  const run = await ReliabilityRun.create(clients, {
    partitions,
    endpointTimeoutMs: TIMEOUT_MS,
    route: { maxInFlight: 100, retry: { attempts: 30, inProcessAttempts: 2, baseMs: 100, maxMs: 2_000 } },
  });
  const started = Date.now();
  const injected = new Map<Fault, number>();
  let poller: ChildProcess | undefined;
  try {
    // The route queue keeps its provisioned visibility timeout (the deliverer's function
    // timeout): a crashed invocation's messages come back after it. Lowering it, as the
    // deliverer-crash case does, would let a batch slowed by endpoint faults outlive it, and SQS
    // would hand the same messages to a second invocation (a duplicate no fault explains).
    let fault: Fault | undefined;
    const crashAt = new Set<string>();
    let crashesLeft = 0;
    const answer = (request: Parameters<typeof run.script>[0]): NotedResponse => {
      switch (fault) {
        case 'endpoint-5xx':
          return { status: 503, body: 'burst' };
        case 'endpoint-garbage':
          return request.nth % 2 === 1 ? { status: 200, fault: 'garbage' } : { status: 200, fault: 'reset' };
        case 'endpoint-slow':
          return Number(request.offset) % 4 === 0 && request.nth === 1
            ? { status: 200, body: 'late', delayMs: TIMEOUT_MS + 1_000, note: LATE }
            : { status: 200, body: 'slow', delayMs: between(200, 500) };
        case 'deliverer-crash':
          if (crashesLeft > 0 && random() < 0.3) {
            crashesLeft -= 1;
            crashAt.add(`${request.recordId.split('/').at(-2)}/${request.offset}`);
            return { status: 200, body: 'ok', note: CRASHED };
          }
          return { status: 200, body: 'ok' };
        default:
          return { status: 200, body: 'ok' };
      }
    };
    // Every answer per record, to explain a duplicate the checker cannot attribute to a fault.
    const answered = new Map<string, string[]>();
    run.script = (request) => {
      const given = answer(request);
      const what =
        given.fault ?? `${given.status}${given.delayMs === undefined ? '' : ` after ${given.delayMs} ms`}`;
      const list = answered.get(request.recordId) ?? [];
      list.push(
        `${new Date(request.at).toISOString().slice(11, 23)} try ${request.nth}: ${what} (fault ${fault ?? 'none'})`,
      );
      answered.set(request.recordId, list);
      return given;
    };
    run.startConsumers({
      crashBeforeCompletion: (partition, offset) => crashAt.delete(`${partition}/${offset}`),
    });
    poller = await run.spawnPoller({ sampleInFlight: true });
    log(
      `route ${run.route.name}, topic ${run.topic} (${partitions} partitions), ${records} records over ${keys} keys ` +
        `at ${rate}/s for at most ${minutes} min, seed ${seed}`,
    );

    // The producer: a steady `rate`, in ticks of 250 ms, until `records` or the time is up.
    const deadline = started + minutes * 60_000;
    let produced = 0;
    const producing = (async () => {
      const tickMs = 250;
      for (let tick = 1; produced < records && Date.now() < deadline; tick += 1) {
        const due = Math.min(records, Math.floor((rate * tick * tickMs) / 1_000));
        const batch = [];
        for (; produced < due; produced += 1)
          batch.push({ key: `key-${produced % keys}`, value: JSON.stringify({ n: produced }) });
        if (batch.length > 0) await run.produceMessages(batch);
        await sleep(Math.max(0, started + tick * tickMs - Date.now()));
      }
    })();

    // The fault injector: one fault at a time while records are produced.
    const injecting = (async () => {
      await sleep(between(4_000, 8_000));
      while (Date.now() < deadline - 10_000 && produced < records) {
        const next = FAULTS[Math.floor(random() * FAULTS.length)] ?? 'poller-kill';
        injected.set(next, (injected.get(next) ?? 0) + 1);
        const lasting = between(2_000, 5_000);
        log(`fault ${next} (${lasting} ms)`);
        switch (next) {
          case 'poller-kill':
          case 'poller-term':
            poller?.kill(next === 'poller-kill' ? 'SIGKILL' : 'SIGTERM');
            await sleep(Math.min(lasting, 2_000));
            poller = await run.spawnPoller({ sampleInFlight: true });
            break;
          case 'endpoint-down':
            await run.endpoint.stop();
            await sleep(lasting);
            await run.endpoint.restart();
            break;
          case 'deliverer-crash':
            crashesLeft = between(1, 4);
            fault = next;
            await sleep(lasting);
            fault = undefined;
            crashesLeft = 0;
            break;
          default:
            fault = next;
            await sleep(lasting);
            fault = undefined;
        }
        // Quiet gap: late answers land and crashed messages come back before the next fault.
        await sleep(between(6_000, 12_000));
      }
    })();

    await Promise.all([producing, injecting]);
    log(`produced ${produced} records in ${((Date.now() - started) / 1_000).toFixed(0)} s; draining`);
    await run.waitCommitted(300_000);
    const drained = Date.now();
    poller?.kill('SIGTERM');
    const report = await run.check();
    const faults = [...injected].map(([name, count]) => `${name} ${count}`).join(', ');
    log(`faults injected: ${faults === '' ? 'none' : faults}; deliverer crashes ${run.crashes.length}`);
    log(
      `${((drained - started) / 1_000).toFixed(0)} s in all; endpoint requests ${run.endpoint.received.length}; ` +
        `problems logged ${run.problems.length}`,
    );
    // What the run logged (retries, refused connections, ...), grouped, for the operator's eye.
    const kinds = new Map<string, number>();
    for (const problem of run.problems) {
      const kind = problem.replace(/\{.*$/, '').slice(0, 80).trim();
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    for (const [kind, count] of kinds) log(`  logged ${count}x: ${kind}`);
    console.log(reportLine(`soak ${minutes} min at ${rate}/s, seed ${seed}`, report));
    const explained = new Set([LATE, CRASHED, LOST_ENTRY]);
    const unexplained = report.duplicateDetails.filter((d) => !explained.has(d.reason));
    const broken =
      report.lost +
      report.orderViolations +
      report.valueMismatches +
      report.deadLettersWithoutDlq +
      report.commitPastUnfinished +
      report.commitMovedBack +
      (report.inFlightExceeded ?? 0);
    if (broken > 0 || unexplained.length > 0) {
      for (const line of [
        ...report.examples.lost,
        ...report.examples.orderViolations,
        ...report.examples.valueMismatches,
        ...report.examples.deadLettersWithoutDlq,
        ...report.examples.commitPastUnfinished,
        ...unexplained.map(
          (d) =>
            `duplicate ${d.recordId}: ${d.reason}; answers: ${(answered.get(d.recordId) ?? []).join(', ')}`,
        ),
      ])
        log(`  ${line}`);
      process.exitCode = 1;
    }
  } finally {
    await run.stop();
    destroyClients(clients);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
