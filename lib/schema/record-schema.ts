import { Ajv, type ValidateFunction } from 'ajv';
import { BridgeError } from '../errors.ts';

/** A route's JSON Schema could not be compiled: a config error, reported at synth and at start. */
export class RecordSchemaError extends BridgeError {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? { retryable: false } : { cause, retryable: false });
    this.name = 'RecordSchemaError';
  }
}

/**
 * Checks record values against a route's JSON Schema. A value that is not JSON, or not what the
 * schema says, is a poison record: the deliverer dead-letters it at once (retrying cannot help)
 * with the reason this returns. Tombstones (null values) are not checked: they mark a deletion
 * and carry no document.
 */
export class RecordSchema {
  readonly #validate: ValidateFunction;

  constructor(schema: Record<string, unknown>) {
    // allErrors off: the first problem is enough for a dead-letter reason, and it is cheaper.
    // strict 'log' off: teams bring schemas written for other validators, with extra keywords.
    const ajv = new Ajv({ allErrors: false, strict: false });
    try {
      this.#validate = ajv.compile(schema);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new RecordSchemaError(`is not a valid JSON Schema: ${reason}`, error);
    }
  }

  /** Why the value breaks the schema, or undefined when it is valid. */
  problem(value: Buffer | null): string | undefined {
    if (value === null) return undefined;
    let document: unknown;
    try {
      document = JSON.parse(value.toString('utf8'));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return `schema: the value is not JSON (${reason})`;
    }
    if (this.#validate(document)) return undefined;
    const first = this.#validate.errors?.[0];
    if (first === undefined) return 'schema: the value does not match the route schema';
    const where = first.instancePath === '' ? 'the value' : first.instancePath;
    return `schema: ${where} ${first.message ?? 'is invalid'}`;
  }
}
