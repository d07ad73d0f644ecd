import type { z } from 'zod';
import { didYouMean } from '../did-you-mean.ts';

/*
 * The validator's generic messages ("Invalid input: expected number, received string") in the
 * config's own words, with the value that was given: `must be a number, got the string "5"`.
 * Messages a schema sets itself are kept (zod gives them precedence); these fill in the rest.
 */

type RawIssue = z.core.$ZodRawIssue;

const KIND: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  bigint: 'a whole number',
};

/** How a given value reads in a message: `the string "5"`, `the number 1.5`, `a list`. */
export function given(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
    case 'number':
    case 'boolean':
      return `the ${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** The message for a raw issue in our words, or undefined to keep the validator's. */
export function issueInOwnWords(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${KIND[issue.expected] ?? issue.expected}, got ${given(issue.input)}`;
    case 'too_small': {
      const bound = String(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set') return `must list at least ${bound}`;
      if (issue.origin === 'string') return `must be at least ${bound} character(s) long`;
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${bound}, got ${given(issue.input)}`;
    }
    case 'too_big': {
      const bound = String(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set') return `must list at most ${bound}`;
      if (issue.origin === 'string') return `must be at most ${bound} character(s) long`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${bound}, got ${given(issue.input)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const typed = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.map(String)) : '';
      return `must be one of ${values.join(', ')}, got ${given(issue.input)}${typed}`;
    }
    default:
      return undefined;
  }
}

type Schema = z.core.$ZodType;
interface Def {
  readonly type: string;
  readonly shape?: Record<string, Schema>;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly options?: readonly Schema[];
  readonly element?: Schema;
  readonly left?: Schema;
  readonly right?: Schema;
  readonly getter?: () => Schema;
}

/** The object schemas a value at `path` of `schema` may be checked by (unions give several). */
function objectsAt(schema: Schema, path: readonly PropertyKey[], depth = 0): Def[] {
  if (depth > 40) return [];
  const def = schema._zod.def as unknown as Def;
  const inner = def.innerType ?? def.in ?? def.getter?.();
  if (inner !== undefined) return objectsAt(inner, path, depth + 1);
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => objectsAt(o, path, depth + 1));
  if (def.type === 'intersection')
    return [def.left, def.right].flatMap((o) => (o === undefined ? [] : objectsAt(o, path, depth + 1)));
  const [head, ...rest] = path;
  if (head === undefined) return def.type === 'object' ? [def] : [];
  if (def.type === 'array' && typeof head === 'number' && def.element !== undefined)
    return objectsAt(def.element, rest, depth + 1);
  const next = def.type === 'object' && typeof head === 'string' ? def.shape?.[head] : undefined;
  return next === undefined ? [] : objectsAt(next, rest, depth + 1);
}

/** The settings an object at `path` of `schema` knows (for "did you mean" on an unknown key). */
export function knownKeys(schema: Schema, path: readonly PropertyKey[]): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((def) => Object.keys(def.shape ?? {})))];
}

/** An unknown key's message: `is not a known setting (did you mean retry?)`. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const hint = didYouMean(key, known);
  return `is not a known setting${hint === '' ? ' (a typo?)' : hint}`;
}
