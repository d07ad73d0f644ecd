// What every reliability case must hold once its run is checked (test/reliability/harness.ts
// finishRun): the checker's counts, and nothing in the run's problems beyond what the injected
// fault explains.
import assert from 'node:assert/strict';
import type { InvariantReport } from '../../lib/invariants/checker.ts';

/** Problems that are never a fault's consequence but the run's own reporting. */
const ALWAYS_ALLOWED = [/^info partitions assigned /];

/** What an endpoint that fails (5xx, 4xx, timeouts, broken answers) makes the deliverer log. */
export const DELIVERY_FAILURES = /^warn delivery failed /;
/** What a record given up on makes the deliverer log. */
export const DEAD_LETTERED = /^warn record dead-lettered /;

export interface InvariantExpectations {
  /**
   * Problems the injected fault explains (a 5xx logs `warn delivery failed`, a poison record
   * `warn record dead-lettered`); any other problem fails the case.
   */
  readonly allowProblems?: readonly RegExp[];
}

/**
 * Asserts I1 (nothing lost, every dead letter archived and in the DLQ), I2 (no attempt out of
 * key order), the values the endpoint accepted, I4 (no commit before a passed record's
 * completion was written, no committed offset moving backwards) and I6 (in-flight within
 * maxInFlight when sampled), and that the run logged no problem the case does not expect.
 */
export function assertInvariants(
  report: InvariantReport,
  problems: readonly string[],
  expectations: InvariantExpectations = {},
): void {
  assert.equal(report.lost, 0, report.examples.lost.join('\n'));
  assert.equal(report.deadLettersWithoutDlq, 0, report.examples.deadLettersWithoutDlq.join('\n'));
  assert.equal(report.orderViolations, 0, report.examples.orderViolations.join('\n'));
  assert.equal(report.valueMismatches, 0, report.examples.valueMismatches.join('\n'));
  assert.equal(report.commitPastUnfinished, 0, report.examples.commitPastUnfinished.join('\n'));
  assert.equal(report.commitMovedBack, 0, 'a sampled committed offset moved backwards');
  if (report.inFlightExceeded !== null)
    assert.equal(report.inFlightExceeded, 0, `in flight up to ${report.maxInFlightSeen}`);
  const allowed = [...ALWAYS_ALLOWED, ...(expectations.allowProblems ?? [])];
  const unexpected = problems.filter((problem) => !allowed.some((pattern) => pattern.test(problem)));
  assert.equal(
    unexpected.length,
    0,
    `${unexpected.length} problems the injected fault does not explain:\n${unexpected.slice(0, 10).join('\n')}`,
  );
}
