import type { Route } from '../config/index.ts';
import type { RetryError } from '../retry/index.ts';

/**
 * The deliverer's give-up rules (docs/architecture.md, Delivery), as pure functions so each
 * rule is stated and tested once: how many calls a receive may make, when a failed record is
 * dead-lettered instead of going back to the queue, and how long it waits when it goes back.
 */

/** SQS's largest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * What happens to a record that can never be delivered as it is (its claim check is gone, it
 * breaks the route's schema): dead-lettered at once, unless the route blocks on poison, where
 * its group waits in the queue until an operator acts.
 */
export function rejectAction(route: Pick<Route, 'onPoison'>): 'dead-letter' | 'retry-later' {
  return route.onPoison === 'block' ? 'retry-later' : 'dead-letter';
}

export interface AllowedAttempts {
  /** The circuit breaker let this call through as its one probe. */
  readonly probe: boolean;
  readonly block: boolean;
  /** `retry.inProcessAttempts`. */
  readonly inProcess: number;
  /** `retry.attempts`: calls in all, across receives. */
  readonly maxAttempts: number;
  /** Calls made in earlier receives (the attempt log). */
  readonly prior: number;
}

/**
 * Calls this receive may make: one for a breaker probe; the in-process attempts with onPoison
 * 'block' (nothing is ever given up); else the in-process attempts, never past `retry.attempts`
 * in all, and at least one (a record always gets its call before it is judged).
 */
export function attemptsAllowed(a: AllowedAttempts): number {
  if (a.probe) return 1;
  if (a.block) return a.inProcess;
  return Math.max(1, Math.min(a.inProcess, a.maxAttempts - a.prior));
}

export interface GiveUpInput {
  readonly block: boolean;
  /** Why the in-process retries stopped. */
  readonly stoppedBy: RetryError['stoppedBy'];
  /** Calls made in all, earlier receives included. */
  readonly attemptCount: number;
  readonly maxAttempts: number;
}

/**
 * Whether a record whose calls failed is dead-lettered now: never with onPoison 'block'; at once
 * for an answer that is not worth retrying (a 400); when its attempts are spent otherwise.
 */
export function givesUp(input: GiveUpInput): boolean {
  if (input.block) return false;
  return input.stoppedBy === 'not-retryable' || input.attemptCount >= input.maxAttempts;
}

/**
 * The visibility timeout of a record that goes back to the queue: its backoff step, or the
 * server's Retry-After when that is longer, at most SQS's 12 hours.
 */
export function retryLaterSeconds(backoffSeconds: number, requestedWaitMs: number | undefined): number {
  const requested = requestedWaitMs === undefined ? 0 : Math.ceil(requestedWaitMs / 1000);
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(backoffSeconds, requested));
}

/** Why a receive's in-process calls ended, as the 'delivery failed' log says it. */
export const RECEIVE_ENDED: Record<GiveUpInput['stoppedBy'], string> = {
  exhausted: 'in-process attempts of this receive used',
  'not-retryable': 'answer not worth retrying',
  deadline: 'no time left in this invocation',
  aborted: 'aborted',
};
