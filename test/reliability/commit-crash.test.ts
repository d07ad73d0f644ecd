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
  test(`${fault.name}: offsets right, nothing lost or repeated`, { timeout: 150_000 }, async () => {
    const run = await ReliabilityRun.create(clients(), { partitions: 2, route: { maxInFlight: 30 } });
    try {
      await run.produce(120, 15);
      await run.startConsumers(
        fault.crash === 'kafka commit' ? { failKafkaCommits: 5 } : { crashCommitStateWrites: 5 },
      );
      await run.startPoller();
      // The commit runs from the table's stream and the template's schedule: a stream batch
      // whose runs all fail is dropped after the mapping's retries, and when no later entry
      // triggers a run, the schedule (1 minute) commits the rest, as deployed.
      await run.waitCommitted(120_000);
      await run.stopPoller();
      const report = await run.check();
      console.log(reportLine(fault.name, report));
      assert.equal(run.crashes.filter((c) => c === fault.crash).length, 5, 'every planned fault happened');
      assert.ok(
        run.problems.some((p) => p.includes('injected')),
        'the commit runs failed as planned',
      );
      // Offsets never moved backwards (commitMovedBack) and in flight stayed within the limit.
      // A stream batch whose three runs all failed is dropped, as the mapping's 2 retries say.
      assertInvariants(report, run.problems, {
        allowProblems: [
          /^commit failed: .*injected/,
          /stream batch of \d+ record\(s\) dropped after 2 retries/,
        ],
      });
      assert.equal(report.inFlightExceeded, 0);
      assert.equal(report.delivered, 120);
      assert.deepEqual(report.duplicateDetails, []);
    } finally {
      await run.stop();
    }
  });
}
