import type { TableAccess } from '../aws/access.ts';
import { partitionOf } from '../completion/entry.ts';
import { ENTRY_VISIBLE_WITHIN_MS, LEDGER_ACCESS, type Ledger } from '../completion/ledger.ts';
import type { PartitionState } from '../completion/state.ts';
import { COMPLETION_ACCESS, type CompletionStore } from '../completion/store.ts';
import { BridgeError } from '../errors.ts';
import type { KafkaOffsets } from '../kafka/offsets.ts';
import type { ChainLink } from './chain.ts';
import { type CommitLease, type HeldLease, LEASE_ACCESS } from './lease.ts';
import { linksByPartition, mergePartition } from './merge.ts';

/**
 * What a Committer calls on the table for each route: the route's lease (which holds its ledger
 * state), the ledger entries and the per-record completions above each committed offset.
 */
export function committerAccess(_options: Partial<CommitterOptions> = {}): TableAccess[] {
  return [LEASE_ACCESS, LEDGER_ACCESS.readEntries, COMPLETION_ACCESS.walk];
}

/**
 * How the deployed commit function (functions/commit.ts) configures its Committer, and so what
 * the stack grants it: the defaults (ledger entries and passed completions expire by TTL).
 */
export const COMMIT_FUNCTION_OPTIONS = {} as const satisfies Partial<CommitterOptions>;

/** What the commit function needs to know of a route. */
export interface CommitTarget {
  readonly route: string;
  readonly progressGroupId: string;
  readonly topics: readonly string[];
}

export interface PartitionCommit {
  readonly topic: string;
  readonly partition: number;
  /** The progress group's offset before this run; undefined when the poller has not started the partition. */
  readonly before: bigint | undefined;
  readonly after: bigint | undefined;
  readonly logEnd: bigint;
  /** Records between the committed offset and the log end (`mps.commit.lag`). */
  readonly lag: bigint;
  /** Finished segments that wait behind an unfinished record (a hole that does not close is a stuck partition). */
  readonly waitingBehindHole: number;
}

/** A route's lag: the sum over its partitions (what the commit-lag alarm watches). */
export function routeLag(partitions: readonly PartitionCommit[]): bigint {
  return partitions.reduce((sum, p) => sum + p.lag, 0n);
}

export type RouteCommitResult =
  | { readonly route: string; readonly status: 'committed'; readonly partitions: readonly PartitionCommit[] }
  | { readonly route: string; readonly status: 'busy' };

export interface CommitterOptions {
  readonly offsets: KafkaOffsets;
  readonly ledger: Ledger;
  /** Per-record completions: replays, the redrive consumer, and items of the per-record ledger before it. */
  readonly completions: CompletionStore;
  readonly lease: CommitLease;
  /** Identifies this run in the lease (for example the Lambda request id). */
  readonly owner: string;
  /** How long one run may hold the route's lease. */
  readonly leaseMs?: number;
  /** Time kept in hand before the lease expires for the offset write itself. */
  readonly leaseMarginMs?: number;
  readonly now?: () => number;
}

/**
 * One commit run of a route (docs/architecture.md, Completion ledger): takes the lease (which
 * returns the route's state), reads the entries written since the last run (minus the
 * visibility margin) and the per-record completions above each committed offset, merges them
 * per partition from Kafka's committed offset (merge.ts), commits the moved offsets to Kafka,
 * then writes the state back with the lease's release. Kafka first: a crash between the two
 * leaves Kafka ahead of the state, which the next run reads as stale segments, never as a
 * reason to move back. Entries are never deleted (TTL).
 */
export class Committer {
  readonly #o: Required<CommitterOptions>;

  constructor(options: CommitterOptions) {
    this.#o = { leaseMs: 30_000, leaseMarginMs: 5_000, now: Date.now, ...options };
  }

  async commitRoute(target: CommitTarget): Promise<RouteCommitResult> {
    const { lease, owner, leaseMs, now } = this.#o;
    const held = await lease.acquire(target.route, owner, leaseMs);
    if (held === undefined) return { route: target.route, status: 'busy' };
    let update: { partitions: Map<string, PartitionState>; readFrom: number } | undefined;
    try {
      const readStart = now();
      const since = held.state.readFrom === undefined ? 0 : held.state.readFrom - ENTRY_VISIBLE_WITHIN_MS;
      const { entries, truncated } = await this.#o.ledger.entriesSince(target.route, since);
      // A long backlog of entries is merged in parts: the next run goes on from the last one read.
      const readFrom = truncated ? (entries.at(-1)?.at ?? readStart) : readStart;
      const links = linksByPartition(entries, (key) => held.state.partitions.get(key)?.resetAt);
      const partitions = new Map(held.state.partitions);
      const results: PartitionCommit[] = [];
      for (const topic of target.topics) {
        results.push(...(await this.#commitTopic(target, topic, held, links, partitions)));
      }
      update = { partitions, readFrom };
      return { route: target.route, status: 'committed', partitions: results };
    } finally {
      await lease.release(held, update);
    }
  }

  async #commitTopic(
    target: CommitTarget,
    topic: string,
    held: HeldLease,
    links: ReadonlyMap<string, ChainLink[]>,
    partitions: Map<string, PartitionState>,
  ): Promise<PartitionCommit[]> {
    const { offsets, completions } = this.#o;
    const [committed, watermarks] = await Promise.all([
      offsets.committed(target.progressGroupId, topic),
      offsets.watermarks(topic),
    ]);
    const results: PartitionCommit[] = [];
    const moves = new Map<number, bigint>();
    for (const [partition, { high }] of [...watermarks].sort(([a], [b]) => a - b)) {
      const key = partitionOf(topic, partition);
      const before = committed.get(partition);
      if (before === undefined) {
        // The poller writes the start position when it first takes a partition; until then there
        // is nothing to walk from. Finished records are kept for when there is.
        const waiting = [...(partitions.get(key)?.segments ?? []), ...(links.get(key) ?? [])];
        if (waiting.length > 0) partitions.set(key, { committed: 0n, segments: waiting });
        results.push({
          topic,
          partition,
          before,
          after: before,
          logEnd: high,
          lag: high,
          waitingBehindHole: 0,
        });
        continue;
      }
      // Eventually consistent: an item missed now is read by the next run (items stay), never skipped.
      const perRecord = await completions.listFrom(target.route, topic, partition, before, 10_000, false);
      const merged = mergePartition(before, partitions.get(key), [...(links.get(key) ?? []), ...perRecord]);
      partitions.set(key, merged.state);
      if (merged.committed > before) moves.set(partition, merged.committed);
      results.push({
        topic,
        partition,
        before,
        after: merged.committed,
        logEnd: high,
        lag: high > merged.committed ? high - merged.committed : 0n,
        waitingBehindHole: merged.waitingBehindHole,
      });
    }
    if (moves.size === 0) return results;
    if (!this.#o.lease.valid(held, this.#o.leaseMarginMs)) {
      // Another run may own the route by now; writing could move an offset backwards. The next
      // run (stream or schedule) redoes this work from the offsets Kafka holds.
      throw new BridgeError(`commit: the lease of route ${target.route} ran out before the offset write`, {
        retryable: true,
      });
    }
    await offsets.commit(target.progressGroupId, topic, moves);
    return results;
  }
}
