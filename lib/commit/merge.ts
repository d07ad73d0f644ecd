import { type LedgerEntry, partitionOf } from '../completion/entry.ts';
import type { PartitionState } from '../completion/state.ts';
import { advanceCommitted, type ChainLink } from './chain.ts';

/** One partition's merge: where its offset moves and what the state keeps. */
export interface PartitionMerge {
  /** The new committed offset (never below Kafka's). */
  readonly committed: bigint;
  readonly state: PartitionState;
  readonly waitingBehindHole: number;
  /** Kafka's offset was below the state's: someone moved the progress group back outside the CLI. */
  readonly movedBack: boolean;
}

/**
 * The links of `entries` per partition (`partitionOf`), skipping a partition's records written
 * before its reset. Entries may come in any order and more than once: links are a set.
 */
export function linksByPartition(
  entries: readonly LedgerEntry[],
  resetAt: (partition: string) => number | undefined,
): Map<string, ChainLink[]> {
  const links = new Map<string, ChainLink[]>();
  for (const entry of entries) {
    for (const record of entry.records) {
      const key = partitionOf(record.topic, record.partition);
      const reset = resetAt(key);
      if (reset !== undefined && entry.at < reset) continue;
      const list = links.get(key) ?? [];
      list.push({ from: record.from, offset: record.offset });
      links.set(key, list);
    }
  }
  return links;
}

/**
 * Merges what is known of one partition (pure; docs/architecture.md, Completion ledger):
 * the walk starts at Kafka's committed offset, the one truth of "done". When Kafka is ahead of
 * the state (a run crashed between its Kafka commit and its state write) the segments below it
 * are stale and dropped by the walk; when Kafka is behind it (the progress group was moved back
 * from outside), the state's segments are dropped so those records are delivered again. The
 * result never moves the offset below Kafka's.
 */
export function mergePartition(
  kafkaCommitted: bigint,
  previous: PartitionState | undefined,
  links: readonly ChainLink[],
): PartitionMerge {
  const movedBack = previous !== undefined && kafkaCommitted < previous.committed;
  const kept = previous === undefined || movedBack ? [] : previous.segments;
  const advance = advanceCommitted(kafkaCommitted, [...kept, ...links]);
  return {
    committed: advance.committed,
    state: {
      committed: advance.committed,
      segments: advance.remaining,
      ...(previous?.resetAt === undefined ? {} : { resetAt: previous.resetAt }),
    },
    waitingBehindHole: advance.waitingBehindHole,
    movedBack,
  };
}
