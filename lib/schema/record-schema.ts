import { Ajv, type ValidateFunction } from 'ajv';
import { jsonSyntaxProblem } from '../errors.ts';
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
 * The most items a `uniqueItems` array may be declared to hold (`maxItems` beside it). Ajv
 * compares items pairwise when they are not all scalars: over a 1 MiB array of small objects
 * that is billions of comparisons, a deliverer pinned until its timeout by one record. With
 * `maxItems` beside it, a longer array fails on `maxItems` first (Ajv checks it before).
 */
export const MAX_UNIQUE_ITEMS = 1_000;

/** Where a schema uses `uniqueItems` without `maxItems` <= MAX_UNIQUE_ITEMS (JSON pointers). */
export function unboundedUniqueItems(schema: unknown, at = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  if (Array.isArray(schema)) return schema.flatMap((item, i) => unboundedUniqueItems(item, `${at}/${i}`));
  const node = schema as Record<string, unknown>;
  const own =
    node.uniqueItems === true && !(typeof node.maxItems === 'number' && node.maxItems <= MAX_UNIQUE_ITEMS)
      ? [at === '' ? '(root)' : at]
      : [];
  return [
    ...own,
    ...Object.entries(node).flatMap(([key, value]) =>
      key === 'enum' || key === 'const' || key === 'default' || key === 'examples'
        ? []
        : unboundedUniqueItems(value, `${at}/${key}`),
    ),
  ];
}

/** A path segment shown as is: a name or an index. Anything else is record content: not quoted. */
const SAFE_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The instance path of a schema error without record content: property names are the
 * producer's, so a segment that is not a plain name (markup, control characters, a value pasted
 * as a key) is shown as `~`. The reason goes to logs, the DLQ attribute, the archive and Discord.
 */
export function safePath(instancePath: string): string {
  return instancePath
    .split('/')
    .map((segment, i) => (i === 0 || SAFE_SEGMENT.test(segment) ? segment : '~'))
    .join('/');
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
    // code.regExp: `pattern` and `patternProperties` compile with RE2 (linear time), not RegExp.
    const ajv = new Ajv({ allErrors: false, strict: false, code: { regExp: linearRegExp } });
    const unbounded = unboundedUniqueItems(schema);
    if (unbounded.length > 0) {
      throw new RecordSchemaError(
        `uniqueItems at ${unbounded.join(', ')} needs maxItems of at most ${MAX_UNIQUE_ITEMS} beside it: checking the uniqueness of a longer array can hold a deliverer for minutes`,
        undefined,
      );
    }
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
      return `schema: the value is not JSON (${jsonSyntaxProblem(error)})`;
    }
    if (this.#validate(document)) return undefined;
    const first = this.#validate.errors?.[0];
    if (first === undefined) return 'schema: the value does not match the route schema';
    const where = first.instancePath === '' ? 'the value' : safePath(first.instancePath);
    return `schema: ${where} ${first.message ?? 'is invalid'}`;
  }
}
