import { BridgeError } from '../errors.ts';

/** Why `retry` stopped trying. */
export type RetryStop =
  /** Every allowed attempt failed. */
  | 'exhausted'
  /** `shouldRetry` said the last error will not go away by trying again (a 400, a schema error). */
  | 'not-retryable'
  /** The next wait would have ended past the deadline. */
  | 'deadline'
  /** The caller's signal was aborted. */
  | 'aborted';

/** One failed attempt, for the dead-letter archive and logs. */
export interface FailedAttempt {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly error: unknown;
  /** The wait chosen after this attempt (backoff or the server's Retry-After); absent on the last. */
  readonly waitMs?: number;
}

/**
 * `retry` gave up. `cause` (also `lastError`) is the last attempt's error, `attempts` the
 * history of every failed attempt, `stoppedBy` why no further attempt was made. `nextWaitMs` is
 * the wait that did not fit before the deadline, or the server's requested wait (`afterMs`)
 * when the attempts ran out, so the caller can wait elsewhere: the deliverer hands the message
 * back to SQS with that visibility timeout.
 * `retryable` says whether trying later may still help (only `not-retryable` says no).
 */
export class RetryError extends BridgeError {
  readonly lastError: unknown;
  readonly attempts: readonly FailedAttempt[];
  readonly stoppedBy: RetryStop;
  readonly nextWaitMs: number | undefined;

  constructor(
    stoppedBy: RetryStop,
    attempts: readonly FailedAttempt[],
    lastError: unknown,
    nextWaitMs?: number,
  ) {
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    const count = `${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`;
    super(`gave up after ${count} (${STOP_REASONS[stoppedBy]}): ${reason}`, {
      cause: lastError,
      retryable: stoppedBy !== 'not-retryable',
    });
    this.name = 'RetryError';
    this.lastError = lastError;
    this.attempts = attempts;
    this.stoppedBy = stoppedBy;
    this.nextWaitMs = nextWaitMs;
  }
}

const STOP_REASONS: Record<RetryStop, string> = {
  exhausted: 'no attempts left',
  'not-retryable': 'error is not retryable',
  deadline: 'next attempt would start past the deadline',
  aborted: 'aborted',
};
