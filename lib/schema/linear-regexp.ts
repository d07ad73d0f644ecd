import { RE2JS } from 're2js';
import { RecordSchemaError } from './errors.ts';

/** What Ajv needs of a compiled `pattern`: a search, as RegExp.prototype.test does. */
interface RegExpLike {
  test(text: string): boolean;
}

/**
 * Ajv's `code.regExp` engine for route schemas: RE2 (re2js, pure JavaScript), whose matching
 * time is linear in the input. A route's schema is config, but the values it is matched against
 * are whatever producers wrote to the topic: with V8's backtracking RegExp a pattern such as
 * `^([a-z0-9]+)+$` takes seconds on a 27-character hostile value and doubles per character,
 * blocking the deliverer's event loop. RE2 has no lookaround and no backreferences; a schema
 * using them is rejected when it is compiled (at synth), with the pattern named.
 */
export function linearRegExp(pattern: string, _flags: string): RegExpLike {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RecordSchemaError(
      `pattern ${JSON.stringify(pattern)} is not supported by the linear-time regex engine (RE2: no lookaround, no backreferences): ${reason}`,
      error,
    );
  }
  // JSON Schema's `pattern` is a search, not a full match (ECMA-262 semantics, unanchored).
  // toString is Ajv's cache key for a compiled pattern.
  return { test: (text) => compiled.matcher(text).find(), toString: () => `re2:${pattern}` } as RegExpLike;
}
/** Ajv prints this in standalone code; the bridge never generates standalone validators. */
linearRegExp.code = 'linearRegExp';
