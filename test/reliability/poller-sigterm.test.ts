// Poller SIGTERM (issue 9): Fargate stops a task with SIGTERM and kills it `stopTimeout` (30 s,
// cdk/lib/poller.ts) later. functions/poller.ts stops gracefully: it stops fetching, lets the
// sends under way finish, leaves the membership group and exits 0. The next poller resumes from
// the progress group. A graceful stop repeats nothing: what the stopped poller forwarded is
// either dropped by SQS's deduplication ids or skipped by the deliverer's completion check, and
// the deliverer (which alone calls the endpoint) is not interrupted.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { finishRun, ReliabilityRun, reliabilityClients, until } from './harness.ts';

const clients = reliabilityClients();

/** The poller task's stopTimeout on Fargate (cdk/lib/poller.ts): the drain deadline. */
const DRAIN_DEADLINE_MS = 30_000;

/** Sends SIGTERM and resolves with how the child ended and how long it took. */
function terminate(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started }));
    child.kill('SIGTERM');
  });
}

test('poller SIGTERMed mid-stream twice: exits 0 within its drain deadline, the next one resumes, no duplicates', {
  timeout: 120_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 3, route: { maxInFlight: 40 } });
  try {
    run.script = () => ({ status: 200, body: 'ok', delayMs: 5 });
    await run.produce(240, 30);
    await run.startConsumers();
    const stops: number[] = [];
    for (const stopAt of [40, 120]) {
      const poller = await run.spawnPoller({ sampleInFlight: true });
      await until(`${stopAt} requests`, () => run.endpoint.received.length >= stopAt, 40_000, run);
      const forwardedBefore = run.endpoint.received.length;
      assert.equal(poller.exitCode, null, `the poller exited by itself: ${run.problems.join('\n')}`);
      const ended = await terminate(poller);
      assert.deepEqual(
        { code: ended.code, signal: ended.signal },
        { code: 0, signal: null },
        `a graceful stop exits 0: ${run.problems.join('\n')}`,
      );
      assert.ok(ended.ms < DRAIN_DEADLINE_MS, `stopped in ${ended.ms} ms, over the drain deadline`);
      assert.ok(forwardedBefore < 240, 'the stop came mid-stream');
      stops.push(ended.ms);
    }
    await run.spawnPoller({ sampleInFlight: true });
    const report = await finishRun(run, 'poller SIGTERM x2', 60_000);
    console.log(`[reliability] poller SIGTERM x2: the stops took ${stops.join(' and ')} ms`);
    assert.equal(report.produced, 240);
    assert.equal(report.delivered, 240);
    assert.equal(report.unfinished, 0);
    assert.equal(report.inFlightExceeded, 0, `in-flight max ${report.maxInFlightSeen} over 40`);
    // A graceful stop repeats no request: no 2xx answer beyond the first for any record.
    assert.deepEqual(report.duplicateDetails, []);
    assert.equal(report.duplicates, 0);
  } finally {
    await run.stop();
  }
});
