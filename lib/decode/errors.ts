import { BridgeError } from '../errors.ts';

/*
 * The three ways decoding a record fails, one class each, so the poller's decode stage branches
 * on the class: the first two dead-letter the record at once with their `reason`; the third
 * holds the partition and retries (the record is fine, the registry is not answering).
 */

/** The record names a schema the registry does not have: dead-letter as `schema-not-found`. */
export class SchemaNotFoundError extends BridgeError {
  readonly reason = 'schema-not-found';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'SchemaNotFoundError';
  }
}

/** The record is not in the wire format, or its bytes do not decode with its schema: dead-letter as `deserialization-error`. */
export class DeserializationError extends BridgeError {
  readonly reason = 'deserialization-error';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'DeserializationError';
  }
}

/** The registry did not answer (network, timeout, 5xx, throttling, access): hold the partition and retry; never dead-letter. */
export class RegistryUnavailableError extends BridgeError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: true });
    this.name = 'RegistryUnavailableError';
  }
}

/** The dead-letter reasons decoding can give. */
export type DecodeFailureReason = SchemaNotFoundError['reason'] | DeserializationError['reason'];
