/**
 * Response classes of an HTTP endpoint: which status codes count as delivered, which are worth
 * another attempt, and (everything else) which dead-letter the record at once.
 * A pattern is one status code (404) or a whole class ('5xx').
 */

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
export type StatusPattern = number | StatusClass;

/** The lowest and highest status codes HTTP defines (RFC 9110, section 15). */
export const MIN_STATUS = 100;
export const MAX_STATUS = 599;

/** 2xx is delivered. */
export const DEFAULT_SUCCESS_STATUSES: readonly StatusPattern[] = ['2xx'];
/** 408 (request timeout), 429 (too many requests) and every 5xx may go away when tried again. */
export const DEFAULT_RETRYABLE_STATUSES: readonly StatusPattern[] = [408, 429, '5xx'];

/** How the deliverer treats an answer. */
export type ResponseClass = 'success' | 'retryable' | 'not-retryable';

export interface ResponseClasses {
  readonly success: readonly StatusPattern[];
  readonly retryable: readonly StatusPattern[];
}

export function statusMatches(pattern: StatusPattern, status: number): boolean {
  if (typeof pattern === 'number') return pattern === status;
  return Math.floor(status / 100) === Number(pattern[0]);
}

export function matchesAnyStatus(patterns: readonly StatusPattern[], status: number): boolean {
  return patterns.some((pattern) => statusMatches(pattern, status));
}

/** Success first: config validation guarantees no status is in both lists. */
export function classifyStatus(responses: ResponseClasses, status: number): ResponseClass {
  if (matchesAnyStatus(responses.success, status)) return 'success';
  if (matchesAnyStatus(responses.retryable, status)) return 'retryable';
  return 'not-retryable';
}

/** Every status code both lists match, in ascending order (a config error when not empty). */
export function overlappingStatuses(a: readonly StatusPattern[], b: readonly StatusPattern[]): number[] {
  const both: number[] = [];
  for (let status = MIN_STATUS; status <= MAX_STATUS; status++) {
    if (matchesAnyStatus(a, status) && matchesAnyStatus(b, status)) both.push(status);
  }
  return both;
}

/** Ascending status codes as short ranges for messages: [408, 500, 501, ..., 599] -> "408, 500-599". */
export function formatStatusRanges(statuses: readonly number[]): string {
  const ranges: [number, number][] = [];
  for (const status of statuses) {
    const last = ranges.at(-1);
    if (last !== undefined && status === last[1] + 1) last[1] = status;
    else ranges.push([status, status]);
  }
  return ranges.map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`)).join(', ');
}
