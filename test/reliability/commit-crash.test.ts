// Fault (d): the commit function's new failure points with the completion ledger
// (docs/architecture.md, Completion ledger). (1) It dies after committing offsets to Kafka and
// before writing the route's ledger state back: the next run finds Kafka ahead of the state,
// drops what is below Kafka's offset and goes on; the offset never moves backwards.
// (2) The Kafka commit fails after the merge: nothing is written, the next run merges again.
// In both, entries are written by the deliverer but not merged for a while.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertInvariants } from '../support/invariant-asserts.ts';
import { ReliabilityRun, reliabilityClients, reportLine } from './harness.ts';

const clients = reliabilityClients();

for (const fault of [
  { name: 'commit crash between the Kafka commit and the state write, 5 times', crash: 'commit state write' },
  { name: 'Kafka commit failing after the merge, 5 times', crash: 'kafka commit' },
] as const) {
  test(`${fault.name}: offsets right, nothing lost or repeated`, { timeout: 90_000 }, async () => {
    const run = await ReliabilityRun.create(clients(), { partitions: 2, route: { maxInFlight: 30 } });
    try {
      await run.produce(120, 15);
      run.startConsumers(
        fault.crash === 'kafka commit' ? { failKafkaCommits: 5 } : { crashCommitStateWrites: 5 },
      );
      await run.startPoller();
      await run.waitCommitted(60_000);
      await run.stopPoller();
      const report = await run.check();
      console.log(reportLine(fault.name, report));
      assert.equal(run.crashes.filter((c) => c === fault.crash).length, 5, 'every planned fault happened');
      assert.ok(
        run.problems.some((p) => p.includes('injected')),
        'the commit runs failed as planned',
      );
      // Offsets never moved backwards (commitMovedBack) and in flight stayed within the limit.
      assertInvariants(report, run.problems, { allowProblems: [/^commit failed: .*injected/] });
      assert.equal(report.inFlightExceeded, 0);
      assert.equal(report.delivered, 120);
      assert.deepEqual(report.duplicateDetails, []);
    } finally {
      await run.stop();
    }
  });
}
