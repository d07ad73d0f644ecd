// The demo end to end, as a newcomer runs it (`npm start -- --demo --records N`): a child
// process runs the whole bridge (poller, deliverers through the local event source, redrive
// consumer, commit loop) against the real broker and emulators, with the sample endpoint
// failing some requests (503, retried) and some records (422, dead-lettered, key quarantined).
// The checks read the summary the demo writes, which compares what was produced with what the
// endpoint accepted and what the archive holds.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { PartitionCommit } from '../../lib/commit/committer.ts';
import type { DemoResult } from '../../lib/local/demo.ts';
import type { ProducedOrder } from '../../lib/local/order-producer.ts';
import { summarize } from '../../lib/local/summary.ts';

const ENTRY = new URL('../../functions/local.ts', import.meta.url).pathname;
const BIN = new URL('../../bin/kafka-bridge.js', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bridge-demo-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  // process.execPath: the pinned Node 24 that runs this test, not whatever `node` is on PATH.
  const child = spawn(process.execPath, [ENTRY, ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

async function summaryOf(file: string): Promise<DemoResult> {
  return JSON.parse(await readFile(file, 'utf8')) as DemoResult;
}

describe('demo', () => {
  test('400 records with failures: all delivered or dead-lettered, nothing lost, order held, lag 0', {
    timeout: 150_000,
  }, async () => {
    const file = join(dir, 'summary.json');
    const { done } = run([
      '--demo',
      '--records',
      '400',
      '--summary-json',
      file,
      '--failure-rate',
      '0.05',
      '--poison-rate',
      // Poison records are picked by a hash of the record id (the route name is new each run):
      // 3% of 400 leaves no run without one (0.97^400 < 1e-5), where 1% did in about 2% of runs.
      '0.03',
      '--rate',
      '0',
      '--timeout',
      '120',
    ]);
    const { code, stdout, stderr } = await done;
    assert.equal(
      code,
      0,
      `demo exited ${code}\nstdout:\n${stdout.slice(-3000)}\nstderr:\n${stderr.slice(-3000)}`,
    );
    const summary = await summaryOf(file);
    assert.equal(summary.stoppedBy, 'records committed');
    assert.equal(summary.produced, 400);
    assert.equal(summary.delivered + summary.deadLettered, summary.produced);
    assert.equal(summary.lost, 0);
    assert.equal(summary.orderViolations, 0);
    assert.equal(summary.lag, 0);
    assert.equal(summary.unfinished, 0);
    assert.equal(summary.partitions.length, 4);
    for (const p of summary.partitions) assert.equal(p.committed, p.logEnd, `partition ${p.partition}`);
    // The failure paths really ran: retries and dead letters (3% poison of 400 records).
    assert.ok(summary.failedRequests > 0, 'the sample endpoint failed no request');
    assert.ok(summary.deadLettered > 0, 'no record was dead-lettered');
    assert.match(stdout, /Result: OK/);
    // The CLI commands it printed for its generated route work as pasted, with no AWS variable.
    const status = /^ {2}(npx kafka-bridge status --config \S+ --route (\S+))$/m.exec(stdout);
    assert.ok(status, `no status command in the demo's output:\n${stdout.slice(0, 3000)}`);
    assert.equal(status[2], summary.route);
    const bare = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(AWS_|BRIDGE_)/.test(name)),
    );
    const { stdout: answer } = await promisify(execFile)(
      process.execPath,
      [BIN, ...(status[1] ?? '').split(' ').slice(2), '--json'],
      { cwd: ROOT, env: bare },
    );
    const [route] = JSON.parse(answer) as { route: string; partitions: { lag: string }[] }[];
    assert.equal(route?.route, summary.route);
    assert.ok(route?.partitions.every((p) => p.lag === '0'));
  });

  test('Ctrl-C stops cleanly: summary written, nothing lost, order held', { timeout: 90_000 }, async () => {
    const file = join(dir, 'interrupted.json');
    const { child, done } = run(['--demo', '--summary-json', file, '--rate', '100', '--poison-rate', '0']);
    // Interrupt once records are being delivered (the plain progress lines show the count).
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the demo delivered nothing within 60 s')), 60_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (/delivered [1-9]/.test(chunk.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // `npm start` prints the operator console's URL; it serves the demo's route while it runs.
    const consoleUrl = /console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(printed)?.[1];
    assert.ok(consoleUrl, `no console URL in the demo's output:\n${printed}`);
    const opened = await fetch(consoleUrl, { redirect: 'manual' });
    const cookie = String(opened.headers.get('set-cookie')).split(';')[0] ?? '';
    const page = await fetch(new URL('/', consoleUrl), { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<a href="\/route\?name=demo-/);
    child.kill('SIGINT');
    const { code, stdout, stderr } = await done;
    assert.equal(
      code,
      0,
      `demo exited ${code}\nstdout:\n${stdout.slice(-3000)}\nstderr:\n${stderr.slice(-3000)}`,
    );
    const summary = await summaryOf(file);
    assert.equal(summary.stoppedBy, 'interrupted');
    assert.ok(summary.produced > 0);
    assert.ok(summary.delivered > 0);
    assert.equal(summary.lost, 0);
    assert.equal(summary.orderViolations, 0, JSON.stringify(summary.examples));
    // Whatever was not finished is above the committed offsets, waiting for the next run.
    assert.equal(summary.delivered + summary.deadLettered + summary.unfinished, summary.produced);
  });

  test('an emulator that is not running: one line of cause, one of remedy', { timeout: 30_000 }, async () => {
    const { code, stderr } = await run(['--demo', '--records', '10'], {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    }).done;
    assert.equal(code, 1);
    assert.match(
      stderr,
      /^error: the AWS emulator \(moto: S3, DynamoDB\) is not answering at http:\/\/127\.0\.0\.1:9\n/,
    );
    assert.match(stderr, /\n {2}fix: start them with: npm run infra:up/);
  });

  test('an unknown route names the routes there are', { timeout: 30_000 }, async () => {
    const { code, stderr } = await run(['--config', 'bridge.local.config.ts', '--route', 'nope']).done;
    assert.equal(code, 2);
    assert.match(
      stderr,
      /error: unknown route nope in bridge\.local\.config\.ts\n {2}fix: routes there: orders\n/,
    );
  });

  test('a bad flag value says which flag and what it must be', { timeout: 30_000 }, async () => {
    const { code, stderr } = await run(['--demo', '--failure-rate', '2']).done;
    assert.equal(code, 2);
    assert.match(stderr, /--failure-rate must be a number in \[0, 1\), got "2"/);
  });
});

// The demo's verdict is only worth something if its checks can fail: the same comparison fed
// with broken histories (no broker needed).
describe("the demo summary's checks", () => {
  const order = (customer: string, seq: number, offset: number): ProducedOrder => ({
    orderId: `run-${customer}-${seq}`,
    customer,
    seq,
    amountCents: 100,
    createdAt: '',
    partition: 0,
    offset: BigInt(offset),
  });
  const accepted = (o: ProducedOrder, at: number) => ({
    recordId: `r/t/0/${o.offset}`,
    orderId: o.orderId,
    customer: o.customer,
    seq: o.seq,
    at,
  });
  const partition = (committed: number, logEnd: number): PartitionCommit => ({
    topic: 't',
    partition: 0,
    before: 0n,
    after: BigInt(committed),
    logEnd: BigInt(logEnd),
    lag: BigInt(logEnd - committed),
    waitingBehindHole: 0,
  });
  const base = { route: 'r', topic: 't', failedRequests: 0, durationMs: 1 };
  const a1 = order('a', 1, 0);
  const a2 = order('a', 2, 1);
  const b1 = order('b', 1, 2);

  test('a clean history passes', () => {
    const summary = summarize({
      ...base,
      produced: [a1, a2, b1],
      accepted: [accepted(a1, 1), accepted(b1, 2), accepted(a2, 3)],
      archived: [],
      partitions: [partition(3, 3)],
    });
    assert.equal(summary.ok, true);
    assert.equal(summary.delivered, 3);
  });

  test('a record below the committed offset that nobody has is lost; above it, unfinished', () => {
    const lost = summarize({
      ...base,
      produced: [a1, a2, b1],
      accepted: [accepted(a1, 1), accepted(b1, 2)],
      archived: [],
      partitions: [partition(3, 3)],
    });
    assert.equal(lost.lost, 1);
    assert.deepEqual(lost.examples.lost, ['run-a-2 (partition 0, offset 1)']);
    assert.equal(lost.ok, false);
    const open = summarize({
      ...base,
      produced: [a1, a2, b1],
      accepted: [accepted(a1, 1), accepted(b1, 2)],
      archived: [],
      partitions: [partition(1, 3)],
    });
    assert.equal(open.lost, 0);
    assert.equal(open.unfinished, 1);
  });

  test("a key's records accepted out of order, or past its dead letter, are violations; a redelivery is a duplicate", () => {
    const swapped = summarize({
      ...base,
      produced: [a1, a2],
      accepted: [accepted(a2, 1), accepted(a1, 2), accepted(a2, 3)],
      archived: [],
      partitions: [partition(2, 2)],
    });
    assert.equal(swapped.orderViolations, 1);
    assert.equal(swapped.duplicates, 1);
    const pastDeadLetter = summarize({
      ...base,
      produced: [a1, a2],
      accepted: [accepted(a2, 1)],
      archived: [{ recordId: 'r/t/0/0', outcome: 'dead-lettered', reason: '422', archivedAt: 0, order: a1 }],
      partitions: [partition(2, 2)],
    });
    assert.equal(pastDeadLetter.orderViolations, 1);
    assert.equal(pastDeadLetter.deadLettered, 1);
  });

  test("every attempt counts: a key's later record tried (503) before the earlier one was accepted", () => {
    const attempt = (o: typeof a1, at: number, ok: boolean) => ({ recordId: o.orderId, at, accepted: ok });
    const early = summarize({
      ...base,
      produced: [a1, a2],
      accepted: [accepted(a1, 3), accepted(a2, 4)],
      attempts: [attempt(a1, 1, false), attempt(a2, 2, false), attempt(a1, 3, true), attempt(a2, 4, true)],
      archived: [],
      partitions: [partition(2, 2)],
    });
    assert.equal(early.orderViolations, 1);
    assert.equal(early.ok, false);
  });
});
