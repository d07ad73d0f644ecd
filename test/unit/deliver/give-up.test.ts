import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  attemptsAllowed,
  givesUp,
  MAX_VISIBILITY_SECONDS,
  rejectAction,
  retryLaterSeconds,
} from '../../../lib/deliver/give-up.ts';

const base = { probe: false, block: false, inProcess: 3, maxAttempts: 8, prior: 0 };

describe('attemptsAllowed', () => {
  test('the in-process attempts while the record has attempts left', () => {
    assert.equal(attemptsAllowed(base), 3);
  });
  test('never past retry.attempts in all, counting earlier receives', () => {
    assert.equal(attemptsAllowed({ ...base, prior: 6 }), 2);
  });
  test('at least one call, even when the log says the attempts are spent', () => {
    assert.equal(attemptsAllowed({ ...base, prior: 8 }), 1);
    assert.equal(attemptsAllowed({ ...base, prior: 12 }), 1);
  });
  test('one call for a breaker probe', () => {
    assert.equal(attemptsAllowed({ ...base, probe: true }), 1);
  });
  test("onPoison 'block' is never limited by retry.attempts", () => {
    assert.equal(attemptsAllowed({ ...base, block: true, prior: 100 }), 3);
  });
});

describe('givesUp', () => {
  const failed = { block: false, stoppedBy: 'exhausted' as const, attemptCount: 3, maxAttempts: 8 };
  test('a retryable failure with attempts left goes back to the queue', () => {
    assert.equal(givesUp(failed), false);
    assert.equal(givesUp({ ...failed, stoppedBy: 'deadline' }), false);
  });
  test('dead-lettered once the attempts are spent', () => {
    assert.equal(givesUp({ ...failed, attemptCount: 8 }), true);
  });
  test('dead-lettered at once when the answer is not worth retrying', () => {
    assert.equal(givesUp({ ...failed, stoppedBy: 'not-retryable', attemptCount: 1 }), true);
  });
  test("never with onPoison 'block'", () => {
    assert.equal(givesUp({ ...failed, block: true, stoppedBy: 'not-retryable', attemptCount: 99 }), false);
  });
});

describe('retryLaterSeconds', () => {
  test('the backoff step, or the longer Retry-After rounded up to whole seconds', () => {
    assert.equal(retryLaterSeconds(4, undefined), 4);
    assert.equal(retryLaterSeconds(4, 1_000), 4);
    assert.equal(retryLaterSeconds(4, 9_001), 10);
  });
  test("at most SQS's 12 hours", () => {
    assert.equal(retryLaterSeconds(4, 10 * MAX_VISIBILITY_SECONDS * 1000), MAX_VISIBILITY_SECONDS);
  });
});

describe('rejectAction', () => {
  test("a record that can never be delivered waits only with onPoison 'block'", () => {
    assert.equal(rejectAction({ onPoison: 'block' }), 'retry-later');
    assert.equal(rejectAction({ onPoison: 'quarantine' }), 'dead-letter');
    assert.equal(rejectAction({ onPoison: 'dlq' }), 'dead-letter');
  });
});
