import { BridgeError, type BridgeErrorOptions } from '../errors.ts';

/** The poller could not do its job for a route (and, when known, a partition). */
export class PollerError extends BridgeError {
  readonly route: string;

  constructor(route: string, message: string, options: BridgeErrorOptions = {}) {
    super(`poller of route ${route}: ${message}`, options);
    this.name = 'PollerError';
    this.route = route;
  }
}

/**
 * Work was abandoned on purpose: the poller is stopping, or the partition was revoked or
 * repositioned by a rebalance. Not a failure: whatever was not sent is read again from `next`.
 */
export class SupersededError extends BridgeError {
  constructor(what: string) {
    super(`${what} abandoned: the poller is stopping or the partition was reassigned`, { retryable: false });
    this.name = 'SupersededError';
  }
}

/**
 * A message SQS can never accept (over its size limit): retrying it would stall its partition
 * for good without a word, so the send fails loudly naming the record and its size instead.
 * The poller's claim checks make this impossible unless the queue's own limit is lower.
 */
export class MessageTooLargeError extends BridgeError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'MessageTooLargeError';
  }
}
