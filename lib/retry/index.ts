/**
 * Retrying: backoff steps with full jitter (in process and as SQS visibility timeouts), the
 * server's Retry-After, and an in-process retry loop bounded by attempts and a deadline.
 */
export {
  type BackoffPolicy,
  backoffMs,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
  visibilityTimeoutSeconds,
} from './backoff.ts';
export { type FailedAttempt, RetryError, type RetryStop } from './errors.ts';
export { type AttemptContext, type RetryDecision, type RetryOptions, retry } from './retry.ts';
export { parseRetryAfter } from './retry-after.ts';
