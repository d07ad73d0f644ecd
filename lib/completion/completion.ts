import { parseRouteItemKey, routeItemKey, routeItemPattern } from './table.ts';

/**
 * A completion record says that one forwarded Kafka record is finished: delivered, dead-lettered,
 * or parked behind a quarantined key. The deliverer (and the DLQ consumer) write them; the commit
 * function walks them to move the progress group's offset (docs/architecture.md I1, I4).
 *
 * Offsets are bigint in memory and decimal strings on the wire: Kafka offsets are int64 and
 * JS numbers lose precision above 2^53.
 */

export type CompletionStatus = 'delivered' | 'dead-lettered' | 'parked';

export interface Completion {
  readonly route: string;
  readonly topic: string;
  readonly partition: number;
  /** The partition position before this record: the previous forwarded offset + 1, or the start position. */
  readonly from: bigint;
  /** The record's own offset; a complete chain moves the committed offset to `offset + 1`. */
  readonly offset: bigint;
  readonly status: CompletionStatus;
  /** When the record finished, ms since the epoch. */
  readonly at: number;
  /** Delivery attempts made (0 for a parked record). */
  readonly attempts: number;
}

/** Offsets are zero-padded to this width in sort keys so that string order equals numeric order. */
const OFFSET_WIDTH = 19; // int64 max is 9223372036854775807: 19 digits

/**
 * The partition key of a route's partition: one DynamoDB item collection per route/topic/partition,
 * `completion#<route>#<topic>#<partition>` (lib/completion/table.ts: the kind tag comes first).
 */
export function partitionKey(route: string, topic: string, partition: number): string {
  return routeItemKey('completion', route, topic, partition);
}

/** Every partition key of a route's completions, as an IAM `dynamodb:LeadingKeys` pattern. */
export function routePartitionKeys(route: string): string {
  return routeItemPattern('completion', route);
}

export function offsetSortKey(offset: bigint): string {
  if (offset < 0n) throw new RangeError(`offset must not be negative, got ${offset}`);
  return offset.toString().padStart(OFFSET_WIDTH, '0');
}

export function parseOffsetSortKey(sortKey: string): bigint {
  if (!/^\d{19}$/.test(sortKey)) throw new RangeError(`not an offset sort key: ${JSON.stringify(sortKey)}`);
  return BigInt(sortKey);
}

/**
 * The route, topic and partition of a completion's partition key; undefined for the table's
 * other items (entries, leases, quarantine, ...). Route names and Kafka topics cannot contain '#'.
 */
export function parsePartitionKey(
  key: string,
): { route: string; topic: string; partition: number } | undefined {
  const parsed = parseRouteItemKey(key);
  if (parsed?.kind !== 'completion' || parsed.more.length !== 2) return undefined;
  const [topic, partition] = parsed.more as [string, string];
  if (!/^(?:0|[1-9]\d{0,9})$/.test(partition)) return undefined;
  return { route: parsed.route, topic, partition: Number(partition) };
}
