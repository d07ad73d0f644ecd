import type { CompletionStatus } from './completion.ts';
import { parseRouteItemKey, routeItemKey } from './table.ts';

/**
 * A ledger entry: what one deliverer batch finished, as one DynamoDB item (docs/architecture.md,
 * Completion ledger). Partition key `entries#<route>` (its own kind tag, lib/completion/table.ts),
 * sort key `<at, 13 digits>#<random>` so a Query from a time reads them in the
 * order they were written, TTL `expiresAt`. Entries are never updated: the commit function reads
 * them, merges them into the route's state and leaves them to their TTL.
 *
 * The records travel as one compact string, a line per record:
 * `<topic>\t<partition>\t<from>\t<offset>\t<status letter>\t<attempts>`, so a batch of ten
 * 1 KiB records makes an entry of a few hundred bytes: one write unit per batch.
 */

export interface LedgerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
  readonly offset: bigint;
  readonly status: CompletionStatus;
  readonly attempts: number;
}

export interface LedgerEntry {
  readonly route: string;
  /** When the deliverer wrote it, ms since the epoch (the sort key's time). */
  readonly at: number;
  readonly records: readonly LedgerRecord[];
}

const STATUS_LETTER: Record<CompletionStatus, string> = { delivered: 'd', 'dead-lettered': 'x', parked: 'p' };
const LETTER_STATUS = new Map(Object.entries(STATUS_LETTER).map(([status, letter]) => [letter, status]));

export function entriesPartitionKey(route: string): string {
  return routeItemKey('entries', route);
}

/** The route of an entries partition key; undefined for any other key. */
export function parseEntriesPartitionKey(key: string): string | undefined {
  const parsed = parseRouteItemKey(key);
  return parsed?.kind === 'entries' && parsed.more.length === 0 ? parsed.route : undefined;
}

/**
 * The entries key of releases before the kind tags (`<route>#entries`), read only by
 * `kafka-bridge migrate-keys` (lib/cli/migrate-keys.ts). Returns the route, or undefined.
 */
export function parseLegacyEntriesPartitionKey(key: string): string | undefined {
  const parts = key.split('#');
  return parts.length === 2 && parts[1] === 'entries' && parts[0] !== '' ? parts[0] : undefined;
}

const TIME_WIDTH = 13;

/** The sort key of an entry written at `at` (ms): time first, so sort-key order is write order. */
export function entrySortKey(at: number, unique: string): string {
  return `${entryTimeKey(at)}#${unique}`;
}

/** The smallest sort key of the entries written at or after `at`. */
export function entryTimeKey(at: number): string {
  return String(Math.max(0, Math.floor(at))).padStart(TIME_WIDTH, '0');
}

export function encodeRecords(records: readonly LedgerRecord[]): string {
  return records
    .map((r) => [r.topic, r.partition, r.from, r.offset, STATUS_LETTER[r.status], r.attempts].join('\t'))
    .join('\n');
}

/** Parses an entry's records; a line that does not parse is an error naming it, never skipped. */
export function decodeRecords(text: string): LedgerRecord[] {
  if (text === '') return [];
  return text.split('\n').map((line, index) => {
    const [topic, partition, from, offset, letter, attempts] = line.split('\t');
    const status = LETTER_STATUS.get(letter ?? '') as CompletionStatus | undefined;
    if (
      topic === undefined ||
      topic === '' ||
      !/^\d+$/.test(partition ?? '') ||
      !/^\d+$/.test(from ?? '') ||
      !/^\d+$/.test(offset ?? '') ||
      status === undefined ||
      !/^\d+$/.test(attempts ?? '')
    ) {
      throw new RangeError(`ledger entry line ${index + 1} is not a record: ${JSON.stringify(line)}`);
    }
    return {
      topic,
      partition: Number(partition),
      from: BigInt(from as string),
      offset: BigInt(offset as string),
      status,
      attempts: Number(attempts),
    };
  });
}

/** Topic and partition as one map key. */
export function partitionOf(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}
