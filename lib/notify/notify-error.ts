import { BridgeError, type BridgeErrorOptions } from '../errors.ts';

/**
 * A notification could not be understood or routed: a message that is neither an alarm nor a
 * dead-letter event, a webhook secret that holds no usable URL, no webhook configured. Trying
 * again does not help, so these are never retryable.
 */
export class NotifyError extends BridgeError {
  constructor(message: string, options: Omit<BridgeErrorOptions, 'retryable'> = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'NotifyError';
  }
}
