import { type Condition, compileCondition, type ValueTest } from './conditions.ts';
import { FilterPatternError, type PatternPath } from './errors.ts';

/*
 * Patterns of the Event Ruler / EventBridge / Lambda filter-criteria language, compiled to a
 * predicate over a JSON event, with Event Ruler's semantics (checked against it by
 * test/integration/filter-event-ruler.test.ts). A pattern is an object; each key names a field
 * of the event at that level and holds either a nested pattern object or a list of conditions
 * (any one matching is enough); every key must match. `$or` holds a list of pattern objects of
 * which one must match. Arrays in the event are transparent: a field matches when any element
 * does, and the fields of a nested pattern must match within one element of an array of objects
 * (Event Ruler's array consistency), `{"exists": false}` included: it holds in an element that
 * lacks the field. (Event Ruler itself gets that last case right only when the absent field's
 * name sorts after the others; docs/filters.md lists the differences.)
 */

/** A compiled pattern: does this JSON event match? */
export type EventMatcher = (event: unknown) => boolean;

/** A part of a pattern tested at one level of the event. */
type NodeMatcher = (node: unknown) => boolean;
type LeafMatcher = (values: unknown[]) => boolean;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The field's values with arrays flattened: what the pattern of that field is tested against. */
function fieldValues(node: unknown, field: string): unknown[] {
  if (!isRecord(node) || !Object.hasOwn(node, field)) return [];
  const out: unknown[] = [];
  const add = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) add(item);
    else out.push(value);
  };
  add(node[field]);
  return out;
}

const isLeaf = (value: unknown): boolean => value === null || typeof value !== 'object';

function compileLeaf(conditions: unknown[], path: PatternPath): LeafMatcher {
  if (conditions.length === 0) throw new FilterPatternError(path, 'must list at least one condition');
  const compiled: Condition[] = conditions.map((condition, index) =>
    compileCondition(condition, [...path, index]),
  );
  const tests: ValueTest[] = [];
  let ifPresent = false;
  let ifAbsent = false;
  for (const condition of compiled) {
    if ('value' in condition) tests.push(condition.value);
    else if (condition.exists) ifPresent = true;
    else ifAbsent = true;
  }
  return (values) => {
    const leaves = values.filter(isLeaf);
    if (leaves.length === 0) return ifAbsent;
    if (ifPresent) return true;
    for (const leaf of leaves) for (const test of tests) if (test(leaf)) return true;
    return false;
  };
}

/** A pattern without `$or`: field paths (JSON-encoded key lists) to their condition lists. */
type Branch = Map<string, LeafMatcher>;

const crossJoin = (left: Branch[], right: Branch[]): Branch[] =>
  left.flatMap((a) => right.map((b) => new Map([...a, ...b])));

/**
 * Expands `$or` the way Event Ruler does: each alternative yields its own `$or`-free pattern,
 * built in document order by field path, a later condition list for the same path replacing the
 * earlier one (so `{"a": ["x"], "$or": [{"a": ["y"]}, ...]}` tests `a` against "y" alone in the
 * first alternative).
 */
function expand(pattern: Record<string, unknown>, fields: readonly string[], path: PatternPath): Branch[] {
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new FilterPatternError(path, 'must name at least one field');
  let branches: Branch[] = [new Map()];
  for (const [field, spec] of entries) {
    const at = [...path, field];
    if (field === '$or') {
      if (!Array.isArray(spec) || spec.length < 2 || !spec.every(isRecord)) {
        throw new FilterPatternError(at, '$or takes a list of at least two pattern objects');
      }
      branches = crossJoin(
        branches,
        spec.flatMap((alternative, index) => expand(alternative, fields, [...at, index])),
      );
    } else if (Array.isArray(spec)) {
      // Compiled here, so a condition list that a later one replaces is still checked.
      const leaf = compileLeaf(spec, at);
      const key = JSON.stringify([...fields, field]);
      branches = branches.map((branch) => new Map(branch).set(key, leaf));
    } else if (isRecord(spec)) {
      branches = crossJoin(branches, expand(spec, [...fields, field], at));
    } else {
      throw new FilterPatternError(
        at,
        'must be a list of conditions (e.g. ["a", {"prefix": "b"}]) or a nested pattern object',
      );
    }
  }
  return branches;
}

/** A tree of fields whose leaves are compiled condition lists. */
interface FieldTree {
  readonly leaves: Map<string, LeafMatcher>;
  readonly nested: Map<string, FieldTree>;
}

function compileBranch(branch: Branch): NodeMatcher {
  const root: FieldTree = { leaves: new Map(), nested: new Map() };
  for (const [key, leaf] of branch) {
    const fields = JSON.parse(key) as string[];
    let tree = root;
    for (const field of fields.slice(0, -1)) {
      const next = tree.nested.get(field) ?? { leaves: new Map(), nested: new Map() };
      tree.nested.set(field, next);
      tree = next;
    }
    tree.leaves.set(fields.at(-1) as string, leaf);
  }
  return compileTree(root);
}

function compileTree(tree: FieldTree): NodeMatcher {
  const matchers: NodeMatcher[] = [];
  for (const [field, leaf] of tree.leaves) matchers.push((node) => leaf(fieldValues(node, field)));
  for (const [field, subtree] of tree.nested) {
    const nested = compileTree(subtree);
    matchers.push((node) => {
      const values = fieldValues(node, field);
      if (values.length === 0) return nested(undefined);
      for (const value of values) if (nested(value)) return true;
      return false;
    });
  }
  if (matchers.length === 1) return matchers[0] as NodeMatcher;
  return (node) => matchers.every((matcher) => matcher(node));
}

function compileObject(pattern: Record<string, unknown>, path: PatternPath): EventMatcher {
  const branches = expand(pattern, [], path).map(compileBranch);
  return (event) => branches.some((branch) => branch(event));
}

/** Compiles one pattern; throws FilterPatternError naming the offending part. */
export function compilePattern(pattern: unknown, path: PatternPath = []): EventMatcher {
  if (!isRecord(pattern)) throw new FilterPatternError(path, 'must be a pattern object');
  return compileObject(pattern, path);
}

/** The top-level fields a pattern reads (including those inside a top-level `$or`). */
export function patternFields(pattern: Record<string, unknown>): Set<string> {
  const fields = new Set<string>();
  for (const [field, spec] of Object.entries(pattern)) {
    if (field !== '$or') fields.add(field);
    else if (Array.isArray(spec))
      for (const alternative of spec)
        if (isRecord(alternative)) for (const f of patternFields(alternative)) fields.add(f);
  }
  return fields;
}
