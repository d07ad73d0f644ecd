import { BridgeError } from '../errors.ts';

/** What one failed call to the endpoint left behind, for the retry decision and the archive. */
export interface AttemptFailure {
  /** The HTTP status (or Lambda StatusCode) when the target answered; absent on timeouts and network errors. */
  readonly status?: number;
  /** At most 4 KiB of the answer's body, for the archive (never logged: it may hold personal data). */
  readonly excerpt?: string;
  /** The wait the target asked for (Retry-After), in ms. */
  readonly retryAfterMs?: number;
}

/**
 * One call to the route's target failed. `retryable` follows the route's response classes
 * (a 503 is, a 400 is not), timeouts and connection errors are retryable.
 */
export class DeliveryError extends BridgeError {
  readonly status: number | undefined;
  readonly excerpt: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    failure: AttemptFailure & { readonly retryable: boolean },
    options?: ErrorOptions,
  ) {
    super(message, { ...options, retryable: failure.retryable });
    this.name = 'DeliveryError';
    this.status = failure.status;
    this.excerpt = failure.excerpt;
    this.retryAfterMs = failure.retryAfterMs;
  }
}
