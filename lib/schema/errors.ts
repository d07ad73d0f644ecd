import { BridgeError } from '../errors.ts';

/** A route's JSON Schema could not be compiled: a config error, reported at synth and at start. */
export class RecordSchemaError extends BridgeError {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? { retryable: false } : { cause, retryable: false });
    this.name = 'RecordSchemaError';
  }
}
