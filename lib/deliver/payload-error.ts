import { BridgeError, type BridgeErrorOptions } from '../errors.ts';

/**
 * A claim-check payload could not be read from S3, or its bytes do not match the envelope's
 * SHA-256. A missing object or a checksum mismatch will not heal by retrying (retryable false:
 * the record is dead-lettered with this message); a throttled or failed S3 call may.
 */
export class PayloadError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super(message, options);
    this.name = 'PayloadError';
  }
}
