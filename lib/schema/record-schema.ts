import { Ajv, type ValidateFunction } from 'ajv';
import { RecordSchemaError } from './errors.ts';
import { linearRegExp } from './linear-regexp.ts';

export { RecordSchemaError };

/**
 * The largest value a schema is checked against. Matching is linear in the value (the regex
 * engine is RE2), but JSON parsing and validation of a claim-checked value of many megabytes
 * would still hold the deliverer for long; a larger value on a route with a schema is poison.
 */
export const SCHEMA_MAX_VALUE_BYTES = 1024 * 1024;

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
    // code.regExp: `pattern` and `patternProperties` compile with RE2 (linear time), not RegExp.
    const ajv = new Ajv({ allErrors: false, strict: false, code: { regExp: linearRegExp } });
    try {
      this.#validate = ajv.compile(schema);
    } catch (error) {
      if (error instanceof RecordSchemaError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new RecordSchemaError(`is not a valid JSON Schema: ${reason}`, error);
    }
  }

  /** Why the value breaks the schema, or undefined when it is valid. */
  problem(value: Buffer | null): string | undefined {
    if (value === null) return undefined;
    if (value.length > SCHEMA_MAX_VALUE_BYTES) {
      return `schema: the value is ${value.length} bytes, more than the ${SCHEMA_MAX_VALUE_BYTES} a route schema checks`;
    }
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
