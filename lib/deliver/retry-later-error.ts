import { BridgeError } from '../errors.ts';

/**
 * The record was not finished in this invocation and goes back to SQS: its visibility timeout
 * was set to the next backoff step, and the batch reports it (and the rest of its group) as a
 * batch item failure. Not an error of the record: the usual way of waiting.
 */
export class RetryLaterError extends BridgeError {
  readonly recordId: string;
  readonly visibilitySeconds: number;

  constructor(recordId: string, visibilitySeconds: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${recordId} goes back to the queue for ${visibilitySeconds} s: ${reason}`, {
      cause,
      retryable: true,
    });
    this.name = 'RetryLaterError';
    this.recordId = recordId;
    this.visibilitySeconds = visibilitySeconds;
  }
}
