// Two pollers with partitions moving between them (issue 9): poller A runs alone, B joins (the
// membership group rebalances: some partitions move to B), A is SIGKILLed (its partitions move
// to B after A's session timeout), then A is started again (they move back). Every new owner
// starts from the progress group's offset, so what the old owner forwarded is forwarded again and
// dropped by SQS's deduplication ids or skipped by the deliverer's completion check. Both
// pollers' in-flight counts are sampled from their health endpoints (I6).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { exited, finishRun, ReliabilityRun, reliabilityClients, until } from './harness.ts';

const clients = reliabilityClients();
const PARTITIONS = 6;
const RECORDS = 480;
const MAX_IN_FLIGHT = 30;

/** The partitions a child poller owns now, from its health endpoint. */
async function owned(run: ReliabilityRun, child: ChildProcess): Promise<number[]> {
  const port = run.healthPorts.get(child);
  if (port === undefined) throw new Error(`poller ${child.pid} logged no health port`);
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { routes: { partitions: { partition: number }[] }[] };
  return body.routes.flatMap((route) => route.partitions.map((p) => p.partition)).sort((a, b) => a - b);
}

test('two pollers, partitions moving between them (join, kill, rejoin): nothing lost, order kept, in-flight bounded', {
  timeout: 150_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), {
    partitions: PARTITIONS,
    route: { maxInFlight: MAX_IN_FLIGHT },
  });
  const received = () => run.endpoint.received.length;
  const moves: string[] = [];
  try {
    run.script = () => ({ status: 200, body: 'ok', delayMs: 5 });
    await run.produce(RECORDS, 60);
    await run.startConsumers();
    const a = await run.spawnPoller({ sampleInFlight: true });
    await until(
      'A owns every partition',
      async () => (await owned(run, a)).length === PARTITIONS,
      30_000,
      run,
    );
    await until('60 requests', () => received() >= 60, 40_000, run);

    // B joins: the group rebalances and shares the partitions out.
    const b = await run.spawnPoller({ sampleInFlight: true });
    await until(
      'B owns some partitions',
      async () => (await owned(run, b)).length > 0 && (await owned(run, a)).length < PARTITIONS,
      30_000,
      run,
    );
    moves.push(`B joined at ${received()} requests: A ${await owned(run, a)}, B ${await owned(run, b)}`);
    const atJoin = received();
    await until('40 more requests with two pollers', () => received() >= atJoin + 40, 40_000, run);

    // A dies without leaving: its partitions move to B once A's session times out.
    assert.equal(a.exitCode, null, `poller A exited by itself: ${run.problems.join('\n')}`);
    a.kill('SIGKILL');
    await exited(a);
    assert.equal(a.signalCode, 'SIGKILL');
    const atKill = received();
    await until(
      'B owns every partition',
      async () => (await owned(run, b)).length === PARTITIONS,
      30_000,
      run,
    );
    moves.push(`A killed at ${atKill} requests; B owned all ${PARTITIONS} at ${received()}`);
    assert.ok(received() < RECORDS, 'partitions moved to B while records were still flowing');

    // A comes back (as Fargate would restart it): partitions move back to it.
    const a2 = await run.spawnPoller({ sampleInFlight: true });
    await until(
      'the restarted A owns some partitions',
      async () => (await owned(run, a2)).length > 0 && (await owned(run, b)).length < PARTITIONS,
      30_000,
      run,
    );
    moves.push(`A restarted at ${received()} requests: A ${await owned(run, a2)}, B ${await owned(run, b)}`);

    const report = await finishRun(run, 'two pollers, partitions moving', 60_000);
    console.log(`[reliability] two pollers: ${moves.join('; ')}`);
    assert.equal(b.exitCode, null, `poller B exited by itself: ${run.problems.join('\n')}`);
    assert.equal(a2.exitCode, null, `the restarted A exited by itself: ${run.problems.join('\n')}`);
    assert.equal(report.produced, RECORDS);
    assert.equal(report.delivered, RECORDS);
    assert.equal(report.unfinished, 0);
    assert.notEqual(report.maxInFlightSeen, null, 'both pollers were sampled');
    assert.equal(report.inFlightExceeded, 0, `in-flight max ${report.maxInFlightSeen} over ${MAX_IN_FLIGHT}`);
    // Only the deliverer repeats requests, and it neither crashed nor timed out: moving
    // partitions between pollers causes no duplicate delivery.
    assert.deepEqual(report.duplicateDetails, []);
  } finally {
    await run.stop();
  }
});
