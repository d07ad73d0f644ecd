/**
 * Exponential backoff with optional full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"): the n-th wait is uniform in [0, min(max, base * 2^n)]. Full jitter spreads the
 * retries of many clients that failed together, so a recovering endpoint is not hit in waves.
 */
export interface BackoffPolicy {
  /** The first step (attempt 0), in ms. */
  readonly baseMs: number;
  /** No step is longer than this, in ms. */
  readonly maxMs: number;
  /** 'full': uniform in [0, step]; 'none': exactly the step (predictable, for tests and tools). */
  readonly jitter: 'full' | 'none';
}

/** SQS's longest visibility timeout: 12 hours. */
export const SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

// 2^1000 is still finite, and far past any cap; larger exponents would only produce Infinity
// (and 0 * Infinity = NaN for a zero base).
const MAX_EXPONENT = 1000;

function checkPolicy(policy: BackoffPolicy): void {
  if (!Number.isFinite(policy.baseMs) || policy.baseMs < 0) {
    throw new RangeError(`backoff baseMs must be a finite number >= 0, got ${policy.baseMs}`);
  }
  if (!Number.isFinite(policy.maxMs) || policy.maxMs < 0) {
    throw new RangeError(`backoff maxMs must be a finite number >= 0, got ${policy.maxMs}`);
  }
}

/**
 * The wait in whole ms before the retry that follows failed attempt number `attempt` (0 for
 * the first failure): base * 2^attempt capped at max, then jittered. `random` must return
 * values in [0, 1) like Math.random; inject it to make tests deterministic.
 */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`backoff attempt must be an integer >= 0, got ${attempt}`);
  }
  checkPolicy(policy);
  const step = Math.floor(Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, MAX_EXPONENT)));
  if (policy.jitter === 'none') return step;
  const r = random();
  // 1 is tolerated (some generators include it); anything else outside [0, 1) is a broken source.
  if (!(r >= 0 && r <= 1))
    throw new RangeError(`backoff random source must return a number in [0, 1), got ${r}`);
  // Uniform over the integers 0..step.
  return Math.min(step, Math.floor(r * (step + 1)));
}

/**
 * The visibility timeout, in whole seconds, to give a message that goes back to SQS for a later
 * retry: the backoff step of its receive count (SQS's ApproximateReceiveCount, 1 on the first
 * receive), within SQS's range 0..43200. The cap is applied before jitter so that full jitter
 * stays uniform instead of piling up at 12 hours.
 */
export function visibilityTimeoutSeconds(
  receiveCount: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const capped = { ...policy, maxMs: Math.min(policy.maxMs, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS * 1000) };
  // Rounding up: a wait of a few ms must not become 0 s, which would make the message visible at once.
  return Math.min(
    SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
    Math.ceil(backoffMs(receiveCount, capped, random) / 1000),
  );
}
