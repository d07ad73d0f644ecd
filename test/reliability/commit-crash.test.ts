// Fault (d): the commit function dies between its two steps, after writing the progress group's
// offsets and before removing the completions it passed. That step exists only with the
// committer's `deletePassed` option (by default passed completions expire by TTL, free). The
// next run starts from Kafka's offsets, removes the stale completions and goes on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReliabilityRun, reliabilityClients, reportLine } from './harness.ts';

const clients = reliabilityClients();

test('commit crash between commit and cleanup, 5 times: offsets right, nothing lost or repeated', {
  timeout: 90_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 2, route: { maxInFlight: 30 } });
  try {
    await run.produce(120, 15);
    run.startConsumers({ crashCommitCleanups: 5 });
    await run.startPoller();
    await run.waitCommitted(60_000);
    await run.stopPoller();
    const report = await run.check();
    console.log(reportLine('commit crash before cleanup x5', report));
    assert.equal(run.crashes.filter((c) => c === 'commit cleanup').length, 5, 'every planned crash happened');
    assert.ok(
      run.problems.some((p) => p.includes('injected crash')),
      'the commit runs failed as planned',
    );
    assert.equal(report.lost, 0, report.examples.lost.join('\n'));
    assert.equal(report.orderViolations, 0, report.examples.orderViolations.join('\n'));
    assert.equal(report.commitPastUnfinished, 0, report.examples.commitPastUnfinished.join('\n'));
    assert.equal(report.inFlightExceeded, 0);
    assert.equal(report.delivered, 120);
    assert.deepEqual(report.duplicateDetails, []);
  } finally {
    await run.stop();
  }
});
