// Lambda's event filtering (FilterCriteria) for the local stream event source: a pattern is a
// JSON object whose leaves are arrays of rules; a record matches when every leaf of the pattern
// matches the record's value at that path. The rules implemented: exact values, `prefix`,
// `suffix`, `exists` and `anything-but` (values). Any other rule is refused when the pattern is
// read, naming it, so a template using one fails at start instead of filtering differently.

type Json = Record<string, unknown>;
const RULES = new Set(['prefix', 'suffix', 'exists', 'anything-but']);

/** The pattern of a FilterCriteria filter, checked; throws naming a rule local runs do not apply. */
export function parseFilter(pattern: string): unknown {
  const parsed = JSON.parse(pattern) as unknown;
  const check = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      for (const rule of node) {
        if (typeof rule !== 'object' || rule === null) continue;
        for (const name of Object.keys(rule as Json))
          if (!RULES.has(name))
            throw new Error(`filter rule "${name}" at ${path} is not applied by the local event source`);
      }
      return;
    }
    if (typeof node !== 'object' || node === null)
      throw new Error(`filter ${pattern}: ${path} is not an object or a list`);
    for (const [key, child] of Object.entries(node as Json))
      check(child, path === '' ? key : `${path}.${key}`);
  };
  check(parsed, '');
  return parsed;
}

function ruleMatches(rule: unknown, present: boolean, value: unknown): boolean {
  if (typeof rule !== 'object' || rule === null) return present && value === rule;
  const r = rule as Json;
  if ('exists' in r) return r.exists === present;
  if (!present) return false;
  if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
  if ('suffix' in r) return typeof value === 'string' && value.endsWith(String(r.suffix));
  if ('anything-but' in r) {
    const but = r['anything-but'];
    return !(Array.isArray(but) ? but : [but]).includes(value);
  }
  return false;
}

/** Whether a record (as the function receives it) passes a parsed pattern. */
export function matchesFilter(pattern: unknown, record: unknown): boolean {
  if (Array.isArray(pattern)) {
    const present = record !== undefined;
    return pattern.some((rule) => ruleMatches(rule, present, record));
  }
  const value = (record ?? {}) as Json;
  return Object.entries(pattern as Json).every(([key, child]) =>
    matchesFilter(child, typeof value === 'object' ? value[key] : undefined),
  );
}
