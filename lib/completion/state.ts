import type { ChainLink } from '../commit/chain.ts';
import { partitionOf } from './entry.ts';
import { routeItemKey } from './table.ts';

/**
 * The commit function's state of a route (docs/architecture.md, Completion ledger), kept in the
 * route's lease item so one conditional write takes the lease and reads it, and one writes it
 * back and releases the lease. Per partition: the offset it was merged to and the finished
 * records above it, as chain segments; for the route: from when the next run reads entries.
 */
export interface PartitionState {
  /** The committed offset the state was merged to (Kafka's, after a clean run). */
  readonly committed: bigint;
  /** Finished records above `committed`, waiting behind a hole, as chain segments. */
  readonly segments: readonly ChainLink[];
  /** Entries written before this time (ms) are not merged into this partition (kafka-bridge reset). */
  readonly resetAt?: number;
}

export interface RouteState {
  /**
   * The next run reads entries written from this time (ms) minus ENTRY_VISIBLE_WITHIN_MS on.
   * Undefined when there is no state yet: the run reads every entry (rebuild).
   */
  readonly readFrom: number | undefined;
  /** Keyed by partitionOf(topic, partition). */
  readonly partitions: ReadonlyMap<string, PartitionState>;
}

export const EMPTY_STATE: RouteState = { readFrom: undefined, partitions: new Map() };

/** The item attribute holding the partitions: `committed|resetAt|from-offset,from-offset,...`. */
export type EncodedPartitions = Record<string, string>;

export function encodePartitions(partitions: ReadonlyMap<string, PartitionState>): EncodedPartitions {
  const out: EncodedPartitions = {};
  for (const [key, p] of partitions) {
    const segments = p.segments.map((s) => `${s.from}-${s.offset}`).join(',');
    out[key] = `${p.committed}|${p.resetAt ?? ''}|${segments}`;
  }
  return out;
}

export function decodePartitions(encoded: unknown): Map<string, PartitionState> {
  const partitions = new Map<string, PartitionState>();
  if (encoded === undefined || encoded === null) return partitions;
  if (typeof encoded !== 'object') throw new RangeError('ledger state: partitions is not a map');
  for (const [key, value] of Object.entries(encoded as Record<string, unknown>)) {
    const match =
      typeof value === 'string' ? /^(\d+)\|(\d*)\|((?:\d+-\d+)(?:,\d+-\d+)*)?$/.exec(value) : null;
    if (match === null)
      throw new RangeError(`ledger state of ${key} does not parse: ${JSON.stringify(value)}`);
    const segments = (match[3] ?? '')
      .split(',')
      .filter((s) => s !== '')
      .map((s) => {
        const [from, offset] = s.split('-') as [string, string];
        return { from: BigInt(from), offset: BigInt(offset) };
      });
    partitions.set(key, {
      committed: BigInt(match[1] as string),
      segments,
      ...(match[2] === '' ? {} : { resetAt: Number(match[2]) }),
    });
  }
  return partitions;
}

/**
 * Whether the state says the record is finished: below the merged committed offset, or inside a
 * finished segment above it. False when the state does not know (the record may still be
 * finished in an entry not merged yet: the duplicate check is then a miss, never a false skip).
 */
export function isFinished(
  state: RouteState,
  record: {
    readonly topic: string;
    readonly partition: number;
    readonly from: bigint;
    readonly offset: bigint;
  },
): boolean {
  const p = state.partitions.get(partitionOf(record.topic, record.partition));
  if (p === undefined) return false;
  if (record.offset < p.committed) return true;
  return p.segments.some((s) => s.from <= record.from && record.offset <= s.offset);
}

/**
 * The route's state item: the commit lease's item (`lease#<route>`), so that old and new commit
 * code exclude each other during an upgrade and one conditional write does both.
 */
export function stateKey(route: string): { pk: string; sk: string } {
  return { pk: routeItemKey('lease', route), sk: 'lease' };
}

/** The RouteState of a state item as read from DynamoDB (undefined: no item yet). */
export function routeStateOf(item: Record<string, unknown> | undefined): RouteState {
  if (item === undefined) return EMPTY_STATE;
  const readFrom = item.readFrom === undefined ? undefined : Number(item.readFrom);
  return { readFrom, partitions: decodePartitions(item.partitions) };
}
