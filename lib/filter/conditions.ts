import { FilterPatternError, type PatternPath } from './errors.ts';

/*
 * The leaf conditions of the Event Ruler / EventBridge / Lambda filter-criteria pattern language:
 * the elements of a pattern's value arrays. Each compiles to a test of one leaf value of the
 * event (a string, number, boolean or null; never an object or an array). `exists` tests the
 * field as a whole and is handled by the caller (pattern.ts).
 */

/** A test of one leaf value. */
export type ValueTest = (value: unknown) => boolean;

/** What a leaf condition compiles to: a value test, or an `exists` test of the whole field. */
export type Condition = { readonly value: ValueTest } | { readonly exists: boolean };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Case-insensitive matching as Event Ruler does it: each character of the pattern matches its
 * lower-case or its upper-case form, the value itself is not folded (so "ß" matches "SS", whose
 * upper case it is, but not "ss"). Anchored at the start, the end or both.
 */
function ignoringCaseRegExp(text: string, anchor: 'start' | 'end' | 'both'): RegExp {
  let source = '';
  for (const char of text) {
    const forms = [...new Set([char.toLowerCase(), char.toUpperCase()])].map(escapeRegExp);
    source += forms.length === 1 ? forms[0] : `(?:${forms.join('|')})`;
  }
  return new RegExp(`${anchor === 'end' ? '' : '^'}${source}${anchor === 'start' ? '' : '$'}`, 'u');
}

/** Equality of two leaf values: numbers by value (5 equals 5.0), everything else exactly. */
function literal(expected: string | number | boolean | null): ValueTest {
  return (value) => value === expected;
}

function stringOperand(operand: unknown, path: PatternPath, operator: string): string {
  if (typeof operand !== 'string') throw new FilterPatternError(path, `${operator} takes a string`);
  return operand;
}

/** `prefix` / `suffix`: a string, or `{ "equals-ignore-case": string }`. */
function affix(operand: unknown, path: PatternPath, operator: 'prefix' | 'suffix'): ValueTest {
  const ends = operator === 'prefix' ? 'startsWith' : 'endsWith';
  if (isRecord(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new FilterPatternError(path, `${operator} takes a string or { "equals-ignore-case": string }`);
    }
    const text = stringOperand(operand['equals-ignore-case'], [...path, 'equals-ignore-case'], operator);
    const regexp = ignoringCaseRegExp(text, operator === 'prefix' ? 'start' : 'end');
    return (value) => typeof value === 'string' && regexp.test(value);
  }
  const text = stringOperand(operand, path, operator);
  return (value) => typeof value === 'string' && value[ends](text);
}

/** `wildcard`: `*` matches any run of characters; `\*` and `\\` are a literal star and backslash. */
function wildcard(operand: unknown, path: PatternPath): ValueTest {
  const text = stringOperand(operand, path, 'wildcard');
  if (text.includes('**'))
    throw new FilterPatternError(path, 'wildcard must not hold consecutive * characters');
  let source = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new FilterPatternError(path, 'wildcard escapes only * and \\ with a backslash');
      }
      source += `\\${next}`;
      i++;
    } else source += char === '*' ? '[\\s\\S]*' : escapeRegExp(char);
  }
  const regexp = new RegExp(`^${source}$`, 'u');
  return (value) => typeof value === 'string' && regexp.test(value);
}

/** `anything-but`: a value, a list of strings or of numbers, or one of prefix/suffix/equals-ignore-case/wildcard. */
function anythingBut(operand: unknown, path: PatternPath): ValueTest {
  if (isRecord(operand)) {
    const keys = Object.keys(operand);
    const operator = keys[0] ?? '';
    if (keys.length !== 1 || !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(operator)) {
      throw new FilterPatternError(
        path,
        'anything-but takes a string, a number, a list of them, or one of prefix, suffix, equals-ignore-case, wildcard',
      );
    }
    const inner = [...path, operator];
    if (operand[operator] === '' && operator !== 'equals-ignore-case') {
      throw new FilterPatternError(inner, `anything-but ${operator} must not be empty`);
    }
    const excluded =
      operator === 'equals-ignore-case'
        ? ignoringCase(operand[operator], inner)
        : operator === 'wildcard'
          ? wildcard(operand[operator], inner)
          : affix(operand[operator], inner, operator as 'prefix' | 'suffix');
    // Like Event Ruler: every value but the excluded strings matches, numbers, booleans and null too.
    return (value) => !(typeof value === 'string' && excluded(value));
  }
  const list = Array.isArray(operand) ? operand : [operand];
  if (list.length === 0) throw new FilterPatternError(path, 'anything-but must list at least one value');
  const allStrings = list.every((item) => typeof item === 'string');
  const allNumbers = list.every((item) => typeof item === 'number' && Number.isFinite(item));
  if (!allStrings && !allNumbers) {
    throw new FilterPatternError(path, 'anything-but takes strings only or numbers only');
  }
  const excluded = new Set<unknown>(list);
  return (value) => !excluded.has(value);
}

function ignoringCase(operand: unknown, path: PatternPath): ValueTest {
  const regexp = ignoringCaseRegExp(stringOperand(operand, path, 'equals-ignore-case'), 'both');
  return (value) => typeof value === 'string' && regexp.test(value);
}

const LOWER = new Set(['>', '>=']);
const UPPER = new Set(['<', '<=']);
const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** `numeric`: `["=", n]`, one bound (`[">", n]`), or a lower then an upper bound (`[">", a, "<=", b]`). */
function numeric(operand: unknown, path: PatternPath): ValueTest {
  const rule =
    'numeric takes ["=", n], one comparison such as [">", n], or a lower and an upper bound such as [">=", a, "<", b]';
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new FilterPatternError(path, rule);
  }
  const steps: { compare: (a: number, b: number) => boolean; bound: number }[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const operator = operand[i];
    const bound = operand[i + 1];
    const compare = typeof operator === 'string' ? COMPARE[operator] : undefined;
    if (compare === undefined) throw new FilterPatternError([...path, i], `${rule}: unknown operator`);
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new FilterPatternError([...path, i + 1], 'must be a number');
    }
    steps.push({ compare, bound });
  }
  if (operand.length === 4) {
    const [low, lowBound, high, highBound] = operand as [string, number, string, number];
    if (!LOWER.has(low) || !UPPER.has(high)) throw new FilterPatternError(path, rule);
    if (lowBound >= highBound)
      throw new FilterPatternError(path, 'the lower bound must be below the upper bound');
  }
  return (value) => typeof value === 'number' && steps.every((step) => step.compare(value, step.bound));
}

const OPERATORS: Record<string, (operand: unknown, path: PatternPath) => Condition> = {
  prefix: (operand, path) => ({ value: affix(operand, path, 'prefix') }),
  suffix: (operand, path) => ({ value: affix(operand, path, 'suffix') }),
  'equals-ignore-case': (operand, path) => ({ value: ignoringCase(operand, path) }),
  'anything-but': (operand, path) => ({ value: anythingBut(operand, path) }),
  numeric: (operand, path) => ({ value: numeric(operand, path) }),
  wildcard: (operand, path) => ({ value: wildcard(operand, path) }),
  exists: (operand, path) => {
    if (typeof operand !== 'boolean') throw new FilterPatternError(path, 'exists takes true or false');
    return { exists: operand };
  },
};

/** Compiles one element of a pattern's value array. */
export function compileCondition(element: unknown, path: PatternPath): Condition {
  if (element === null || typeof element === 'string' || typeof element === 'boolean') {
    return { value: literal(element) };
  }
  if (typeof element === 'number') {
    if (!Number.isFinite(element)) throw new FilterPatternError(path, 'must be a finite number');
    return { value: literal(element) };
  }
  if (!isRecord(element)) {
    throw new FilterPatternError(path, 'must be a string, a number, true, false, null or an operator object');
  }
  const keys = Object.keys(element);
  const operator = keys[0];
  const compile = operator === undefined ? undefined : OPERATORS[operator];
  if (keys.length !== 1 || compile === undefined || operator === undefined) {
    throw new FilterPatternError(
      path,
      `must be an object with exactly one operator among ${Object.keys(OPERATORS).join(', ')}`,
    );
  }
  return compile(element[operator], [...path, operator]);
}
