// Fault (a): the poller process is killed with SIGKILL mid-stream, twice, and restarted each time.
// Positions come back from the progress group; records forwarded twice are dropped by SQS's
// deduplication ids or skipped by the deliverer's completion check (I5).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertInvariants } from '../support/invariant-asserts.ts';
import { exited, ReliabilityRun, reliabilityClients, reportLine, until } from './harness.ts';

const clients = reliabilityClients();

test('poller SIGKILLed mid-stream twice and restarted: nothing lost, order per key kept', {
  timeout: 90_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 3, route: { maxInFlight: 40 } });
  try {
    run.script = () => ({ status: 200, body: 'ok', delayMs: 5 });
    await run.produce(240, 30);
    run.startConsumers();
    for (const killAt of [40, 120]) {
      const poller = await run.spawnPoller();
      await until(`${killAt} requests`, () => run.endpoint.received.length >= killAt, 40_000, run);
      poller.kill('SIGKILL');
      await exited(poller);
      assert.equal(
        poller.signalCode,
        'SIGKILL',
        `the poller exited by itself (code ${poller.exitCode}) before the kill: ${run.problems.join('\n')}`,
      );
    }
    await run.spawnPoller();
    await run.waitCommitted(50_000);
    const report = await run.check();
    console.log(reportLine('poller SIGKILL x2', report));
    assert.equal(report.produced, 240);
    assertInvariants(report, run.problems);
    assert.equal(report.delivered, 240);
    assert.equal(report.unfinished, 0);
    // Only the deliverer repeats requests, and it did not crash: a killed poller causes none.
    assert.deepEqual(report.duplicateDetails, []);
  } finally {
    await run.stop();
  }
});
