import { BridgeError } from '../errors.ts';

/**
 * A message body, record id or record reference that does not follow the wire contract.
 * The message says what is wrong and where (a field path, a part of an id): the deliverer
 * dead-letters such a message with that message as the reason, and nothing retries it, because
 * the same bytes will fail the same way every time.
 */
export class EnvelopeError extends BridgeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, retryable: false });
    this.name = 'EnvelopeError';
  }
}
