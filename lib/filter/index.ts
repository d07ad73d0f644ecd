import { FilterPatternError, type PatternPath } from './errors.ts';
import { compilePattern, type EventMatcher, patternFields } from './pattern.ts';

export { FilterPatternError, formatPatternPath, type PatternPath } from './errors.ts';
export { compilePattern, type EventMatcher } from './pattern.ts';

/*
 * Route filters (`route.filter`): which records a route forwards. A filter is one pattern or a
 * list of patterns (any one matching is enough), in the Event Ruler / EventBridge / Lambda
 * filter-criteria language, tested against this event built from the record:
 *
 *   { "key": ..., "headers": { name: value, ... }, "value": ... }
 *
 * - `key`: the key as a UTF-8 string, or the decoded key's JSON when the route decodes keys;
 *   null for a record without key.
 * - `headers`: each header's value as a UTF-8 string (null for a null value); a name that
 *   repeats holds the list of its values, which a pattern matches when any one does.
 * - `value`: the decoded JSON when the route decodes (route.decode); otherwise the value parsed
 *   as JSON when it is JSON, else the value as a UTF-8 string; null for a tombstone.
 * Only the top-level fields a filter names are built, so a key-only filter never parses values.
 */

/** A header as the poller holds it: envelope pairs, or kafkajs's header object. */
export type FilterHeaders =
  | readonly (readonly [string, Buffer | string | null])[]
  | Readonly<Record<string, Buffer | string | readonly (Buffer | string)[] | undefined>>;

/** A record as the filter stage sees it: raw bytes, or JSON values the decode stage produced. */
export interface FilterRecord {
  /** Raw key bytes, or the decoded key (any JSON value). */
  readonly key: Buffer | unknown;
  readonly headers?: FilterHeaders;
  /** Raw value bytes, or the decoded value (any JSON value); null for a tombstone. */
  readonly value: Buffer | unknown;
}

/** True when the route forwards the record. */
export type RecordFilter = (record: FilterRecord) => boolean;

const text = (bytes: Buffer | string | null): string | null =>
  bytes === null ? null : typeof bytes === 'string' ? bytes : bytes.toString('utf8');

function rawValue(bytes: Buffer): unknown {
  const utf8 = bytes.toString('utf8');
  try {
    return JSON.parse(utf8);
  } catch {
    return utf8;
  }
}

function eventHeaders(headers: FilterHeaders | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  const add = (name: string, value: string | null): void => {
    if (!Object.hasOwn(out, name)) out[name] = value;
    else out[name] = [...(Array.isArray(out[name]) ? out[name] : [out[name]]), value];
  };
  if (headers === undefined) return out;
  if (Array.isArray(headers)) for (const [name, value] of headers) add(name, text(value));
  else
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value])
        add(name, text(item as Buffer | string | null));
    }
  return out;
}

/** The event a filter pattern is tested against; only `fields` are built. */
export function filterEvent(record: FilterRecord, fields: ReadonlySet<string>): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  if (fields.has('key'))
    event.key = Buffer.isBuffer(record.key) ? record.key.toString('utf8') : (record.key ?? null);
  if (fields.has('headers')) event.headers = eventHeaders(record.headers);
  if (fields.has('value'))
    event.value = Buffer.isBuffer(record.value) ? rawValue(record.value) : record.value;
  return event;
}

const EVENT_FIELDS: ReadonlySet<string> = new Set(['key', 'headers', 'value']);

/** `route.filter` as written: one pattern or a list of them. */
export type FilterSpec = Record<string, unknown> | readonly Record<string, unknown>[];

const asList = (spec: FilterSpec): readonly unknown[] => (Array.isArray(spec) ? spec : [spec]);

/**
 * Compiles a route's filter. `undefined` (no filter) forwards everything. Throws
 * FilterPatternError, whose path starts with the pattern's index when the filter is a list.
 */
export function compileRouteFilter(spec: FilterSpec | undefined): RecordFilter {
  if (spec === undefined) return () => true;
  const list = asList(spec);
  if (list.length === 0) throw new FilterPatternError([], 'must hold at least one pattern');
  const prefix = (index: number): PatternPath => (Array.isArray(spec) ? [index] : []);
  const matchers: EventMatcher[] = list.map((pattern, index) => compilePattern(pattern, prefix(index)));
  const fields = new Set<string>();
  list.forEach((pattern, index) => {
    for (const field of patternFields(pattern as Record<string, unknown>)) {
      if (!EVENT_FIELDS.has(field)) {
        throw new FilterPatternError(
          [...prefix(index), field],
          'is not a field of the record: use key, headers or value',
        );
      }
      fields.add(field);
    }
  });
  return (record) => {
    const event = filterEvent(record, fields);
    return matchers.some((matcher) => matcher(event));
  };
}

/** The problem of a filter as `{ path, message }`, or undefined when it compiles: for config checks. */
export function filterProblem(spec: unknown): { path: PatternPath; message: string } | undefined {
  try {
    compileRouteFilter(spec as FilterSpec);
    return undefined;
  } catch (error) {
    if (error instanceof FilterPatternError) return { path: error.path, message: error.problem };
    throw error;
  }
}
