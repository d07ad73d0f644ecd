import { setTimeout as sleepFor } from 'node:timers/promises';
import { type BackoffPolicy, backoffMs } from './backoff.ts';
import { type FailedAttempt, RetryError } from './errors.ts';

/**
 * What to do after an error: false to stop, true to retry after the policy's backoff, or
 * `{ afterMs }` to retry after exactly that wait (a server's Retry-After).
 */
export type RetryDecision = boolean | { readonly afterMs: number };

export interface AttemptContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The caller's signal, to pass on to the work (fetch, SDK calls) so an abort stops it too. */
  readonly signal: AbortSignal | undefined;
}

export interface RetryOptions {
  /** Attempts in all, the first included; at least 1. */
  readonly attempts: number;
  readonly policy: BackoffPolicy;
  /** Classifies each error; there is no default, because retrying a 400 is as wrong as giving up on a 503. */
  readonly shouldRetry: (error: unknown, attempt: number) => RetryDecision;
  /**
   * ms since the epoch. No wait ends after it: when the next wait would, retry stops at once
   * (stoppedBy 'deadline') instead of sleeping through time it does not have. It bounds when an
   * attempt may start; bounding an attempt's own duration is the work's job (a request timeout).
   */
  readonly deadline?: number;
  readonly signal?: AbortSignal;
  /** Waits `ms`; rejects when `signal` aborts. Injectable for tests. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Node's timers fire after 1 ms when asked for more than this (and warn): long waits go in steps. */
const MAX_TIMER_MS = 2_147_483_647;

async function defaultSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  for (let left = ms; left > 0; left -= MAX_TIMER_MS) {
    await sleepFor(Math.min(left, MAX_TIMER_MS), undefined, signal === undefined ? {} : { signal });
  }
}

function waitAfter(
  decision: true | { readonly afterMs: number },
  attempt: number,
  options: RetryOptions,
): number {
  if (decision === true) return backoffMs(attempt - 1, options.policy, options.random ?? Math.random);
  if (!Number.isFinite(decision.afterMs)) {
    throw new RangeError(
      `shouldRetry returned afterMs ${decision.afterMs}; it must be a finite number of ms`,
    );
  }
  // A Retry-After in the past means "now".
  return Math.max(0, decision.afterMs);
}

/**
 * Runs `fn` until it succeeds, with backoff between attempts; returns its result or throws a
 * RetryError carrying the last error (`cause`) and the history of every failed attempt.
 */
export async function retry<T>(
  fn: (context: AttemptContext) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { attempts, shouldRetry, deadline, signal } = options;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`retry attempts must be an integer >= 1, got ${attempts}`);
  }
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const history: FailedAttempt[] = [];

  if (signal?.aborted) throw new RetryError('aborted', history, signal.reason);
  for (let attempt = 1; ; attempt++) {
    const startedAt = now();
    let error: unknown;
    try {
      return await fn({ attempt, signal });
    } catch (caught) {
      error = caught;
    }
    const endedAt = now();
    const failed = { attempt, startedAt, endedAt, error };

    // An aborted caller wants out, whatever the error says.
    if (signal?.aborted) {
      history.push(failed);
      throw new RetryError('aborted', history, error);
    }
    const decision = shouldRetry(error, attempt);
    if (decision === false) {
      history.push(failed);
      throw new RetryError('not-retryable', history, error);
    }
    const waitMs = waitAfter(decision, attempt, options);
    if (attempt >= attempts) {
      history.push(failed);
      // Only a server's own Retry-After is worth handing on; a backoff step is the caller's to choose.
      throw new RetryError('exhausted', history, error, decision === true ? undefined : waitMs);
    }
    if (deadline !== undefined && endedAt + waitMs > deadline) {
      history.push(failed);
      throw new RetryError('deadline', history, error, waitMs);
    }
    history.push({ ...failed, waitMs });
    try {
      await sleep(waitMs, signal);
    } catch (sleepError) {
      // A sleep fails only by abort; anything else is a broken injected sleep, not a reason to stop quietly.
      if (signal?.aborted) throw new RetryError('aborted', history, error);
      throw sleepError;
    }
  }
}
