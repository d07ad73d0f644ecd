/*
 * Random filter patterns and events for the differential test of lib/filter against AWS Event
 * Ruler: small vocabularies (3 field names, a few strings and numbers that prefix, suffix and
 * case-fold into one another) so that about half the pairs match, plus a share of invalid
 * patterns to compare what both refuse. Seeded, so a failure reproduces.
 */

export type Random = () => number;

/** mulberry32: a small seeded PRNG. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FIELDS = ['a', 'b', 'c'];
const STRINGS = [
  '',
  'a',
  'ab',
  'abc',
  'Abc',
  'ABC',
  'b',
  'bc',
  'cab',
  'x-1',
  'é',
  'É',
  'éa',
  // Case folding beyond ASCII: "ß" upper-cases to "SS".
  'ß',
  'SS',
  'ss',
  '1',
  '10',
  'true',
  'null',
  'a*c',
];
const NUMBERS = [0, 1, -1, 1.5, 2, 10, 10.25, 100, -0.5, 1000, 99.99, 5e3];

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const chance = (random: Random, p: number): boolean => random() < p;

function leaf(random: Random): unknown {
  const roll = random();
  if (roll < 0.55) return pick(random, STRINGS);
  if (roll < 0.85) return pick(random, NUMBERS);
  if (roll < 0.93) return random() < 0.5;
  return null;
}

/** An event value: a leaf, a list of leaves, a nested object, a list of objects, or an empty list. */
function eventValue(random: Random, depth: number): unknown {
  const roll = random();
  if (roll < 0.5 || depth >= 2) return leaf(random);
  if (roll < 0.68) return Array.from({ length: 1 + Math.floor(random() * 3) }, () => leaf(random));
  if (roll < 0.86) return eventObject(random, depth + 1);
  if (roll < 0.96)
    return Array.from({ length: 1 + Math.floor(random() * 2) }, () => eventObject(random, depth + 1));
  return [];
}

export function eventObject(random: Random, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) if (chance(random, 0.85)) out[field] = eventValue(random, depth);
  return out;
}

function wildcardText(random: Random): string {
  return pick(random, ['a*', '*c', 'a*c', '*b*', 'ab', '*', 'x-*', 'é*', 'A*', 'a\\*c']);
}

function condition(random: Random): unknown {
  const text = (): string => pick(random, STRINGS);
  switch (Math.floor(random() * 14)) {
    case 0:
    case 1:
      return leaf(random);
    case 2:
      return { prefix: text() };
    case 3:
      return { suffix: text() };
    case 4:
      return { prefix: { 'equals-ignore-case': text() } };
    case 5:
      return { suffix: { 'equals-ignore-case': text() } };
    case 6:
      return { 'equals-ignore-case': text() };
    case 7:
      return {
        'anything-but': pick(random, [
          text(),
          pick(random, NUMBERS),
          [text(), text()],
          [pick(random, NUMBERS), pick(random, NUMBERS)],
        ]),
      };
    case 8:
      return {
        'anything-but': pick(random, [
          { prefix: text() },
          { suffix: text() },
          { 'equals-ignore-case': text() },
        ]),
      };
    case 9: {
      const low = pick(random, NUMBERS);
      const high = low + pick(random, [0.5, 1, 10, 100]);
      return pick(random, [
        { numeric: ['=', low] },
        { numeric: [pick(random, ['<', '<=', '>', '>=']), low] },
        { numeric: [pick(random, ['>', '>=']), low, pick(random, ['<', '<=']), high] },
      ]);
    }
    case 10:
    case 11:
      return { exists: random() < 0.5 };
    case 12:
      return { wildcard: wildcardText(random) };
    default:
      return { 'anything-but': { wildcard: wildcardText(random) } };
  }
}

function patternObject(random: Random, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = FIELDS.filter(() => chance(random, 0.3));
  if (fields.length === 0) fields.push(pick(random, FIELDS));
  for (const field of fields) {
    out[field] =
      depth < 1 && chance(random, 0.25)
        ? patternObject(random, depth + 1)
        : Array.from({ length: 1 + Math.floor(random() * 2) }, () => condition(random));
  }
  if (depth === 0 && chance(random, 0.12)) out.$or = [patternObject(random, 1), patternObject(random, 1)];
  return out;
}

const INVALID: readonly unknown[] = [
  { a: [] },
  { a: 'x' },
  { a: 5 },
  { a: [{ nope: 1 }] },
  { a: [{ prefix: 1 }] },
  { a: [{ exists: 'yes' }] },
  { a: [{ numeric: ['<', 'x'] }] },
  { a: [{ numeric: ['>', 5, '<', 1] }] },
  { a: [{ numeric: ['<', 5, '>', 1] }] },
  { a: [{ numeric: ['!', 5] }] },
  { a: [{ 'anything-but': [1, 'a'] }] },
  { a: [{ 'anything-but': { exists: true } }] },
  { a: [{ prefix: 'a', suffix: 'b' }] },
  { a: [{ wildcard: 'a**b' }] },
  { a: [{ 'equals-ignore-case': 5 }] },
  { $or: [{ a: ['x'] }] },
  { a: [[1]] },
];

/** One pattern (about 4% invalid) and one event. */
export function patternEventPair(random: Random): { pattern: unknown; event: Record<string, unknown> } {
  const pattern = chance(random, 0.04) ? pick(random, INVALID) : patternObject(random, 0);
  return { pattern, event: eventObject(random) };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every condition list of a pattern (`$or` alternatives included) with its field path. */
function conditionLists(
  pattern: unknown,
  fields: string[] = [],
): { fields: string[]; conditions: unknown[] }[] {
  if (!isRecord(pattern)) return [];
  return Object.entries(pattern).flatMap(([field, spec]) => {
    if (field === '$or' && Array.isArray(spec))
      return spec.flatMap((alternative) => conditionLists(alternative, fields));
    if (Array.isArray(spec)) return [{ fields: [...fields, field], conditions: spec }];
    return conditionLists(spec, [...fields, field]);
  });
}

const has = (conditions: unknown[], test: (condition: Record<string, unknown>) => boolean): boolean =>
  conditions.some((condition) => isRecord(condition) && test(condition));
const withWildcard = (c: Record<string, unknown>): boolean =>
  'wildcard' in c || (isRecord(c['anything-but']) && 'wildcard' in c['anything-but']);
const withIgnoreCase = (c: Record<string, unknown>): boolean =>
  'equals-ignore-case' in c ||
  isRecord(c.prefix) ||
  isRecord(c.suffix) ||
  (isRecord(c['anything-but']) && 'equals-ignore-case' in c['anything-but']);

/** Whether an array lies on the way to the field (below the top level). */
function arrayOnPath(event: unknown, fields: readonly string[]): boolean {
  let nodes: unknown[] = [event];
  for (const field of fields.slice(0, -1)) {
    const next: unknown[] = [];
    for (const node of nodes) {
      const value = isRecord(node) ? node[field] : undefined;
      if (Array.isArray(value)) return true;
      if (value !== undefined) next.push(value);
    }
    nodes = next;
  }
  return false;
}

/**
 * Why Event Ruler's verdict on this pair is not a reference, or undefined when it is. Both cases
 * are Event Ruler inconsistencies shown by minimal pairs (docs/filters.md): a field whose
 * conditions (in one list, or in lists of several `$or` alternatives) mix wildcard and a
 * case-insensitive condition matches values none of them matches alone, and
 * `{"exists": false}` inside an array of objects holds per element or across the whole array
 * depending on whether the field's name sorts after or before the others.
 */
export function eventRulerQuirk(pattern: unknown, event: unknown): string | undefined {
  // Event Ruler builds one automaton per field path for the whole pattern ($or alternatives too).
  const byPath = new Map<string, unknown[]>();
  for (const { fields, conditions } of conditionLists(pattern)) {
    const path = JSON.stringify(fields);
    byPath.set(path, [...(byPath.get(path) ?? []), ...conditions]);
    if (has(conditions, (c) => c.exists === false) && arrayOnPath(event, fields))
      return 'exists:false in an array';
  }
  for (const conditions of byPath.values()) {
    if (has(conditions, withWildcard) && has(conditions, withIgnoreCase))
      return 'wildcard with equals-ignore-case';
  }
  return undefined;
}
