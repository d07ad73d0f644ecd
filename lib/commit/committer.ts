import type { TableAccess } from '../aws/access.ts';
import { COMPLETION_ACCESS, type CompletionStore } from '../completion/store.ts';
import { BridgeError } from '../errors.ts';
import type { KafkaOffsets } from '../kafka/offsets.ts';
import { advanceCommitted } from './chain.ts';
import { type CommitLease, LEASE_ACCESS } from './lease.ts';

/**
 * What a Committer calls on the table for each route: the route's lease, the walk of its
 * completions and, with `deletePassed`, their clean-up.
 */
export function committerAccess(options: Pick<CommitterOptions, 'deletePassed'> = {}): TableAccess[] {
  return [
    LEASE_ACCESS,
    COMPLETION_ACCESS.walk,
    ...(options.deletePassed === true ? [COMPLETION_ACCESS.clean] : []),
  ];
}

/**
 * How the deployed commit function (functions/commit.ts) configures its Committer, and so what
 * the stack grants it: passed completions expire by TTL, nothing is deleted.
 */
export const COMMIT_FUNCTION_OPTIONS = { deletePassed: false } as const satisfies Partial<CommitterOptions>;

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
  /** Finished records that wait behind an unfinished one (a hole that does not close is a stuck partition). */
  readonly waitingBehindHole: number;
  /** Completion records removed because the commit passed them (0 unless `deletePassed`). */
  readonly cleaned: number;
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
  readonly completions: CompletionStore;
  readonly lease: CommitLease;
  /** Identifies this run in the lease (for example the Lambda request id). */
  readonly owner: string;
  /** How long one run may hold the route's lease. */
  readonly leaseMs?: number;
  /** Time kept in hand before the lease expires for the offset write itself. */
  readonly leaseMarginMs?: number;
  /**
   * Delete the completions the commit passed (1 WRU each) instead of leaving them to their TTL
   * (free). Default false: the chain walk reads only from the committed offset on, so passed
   * items are never read again (docs/benchmarks.md, Cost per million records).
   */
  readonly deletePassed?: boolean;
}

/**
 * Moves each partition's progress-group offset along the chain of completions (I4). The
 * completions it passed expire by TTL; with `deletePassed` it deletes them itself, after the
 * commit, so a crash between the two leaves only stale items that the next run deletes.
 */
export class Committer {
  readonly #options: Required<CommitterOptions>;

  constructor(options: CommitterOptions) {
    this.#options = { leaseMs: 30_000, leaseMarginMs: 5_000, deletePassed: false, ...options };
  }

  async commitRoute(target: CommitTarget): Promise<RouteCommitResult> {
    const { lease, owner, leaseMs } = this.#options;
    const held = await lease.acquire(target.route, owner, leaseMs);
    if (!held) return { route: target.route, status: 'busy' };
    try {
      const partitions: PartitionCommit[] = [];
      for (const topic of target.topics) {
        partitions.push(
          ...(await this.#commitTopic(target, topic, () => lease.valid(held, this.#options.leaseMarginMs))),
        );
      }
      return { route: target.route, status: 'committed', partitions };
    } finally {
      await lease.release(held);
    }
  }

  async #commitTopic(
    target: CommitTarget,
    topic: string,
    stillHeld: () => boolean,
  ): Promise<PartitionCommit[]> {
    const { offsets, completions } = this.#options;
    const [committed, watermarks] = await Promise.all([
      offsets.committed(target.progressGroupId, topic),
      offsets.watermarks(topic),
    ]);
    const results: PartitionCommit[] = [];
    const moves = new Map<number, bigint>();
    for (const [partition, { high }] of [...watermarks].sort(([a], [b]) => a - b)) {
      const before = committed.get(partition);
      if (before === undefined) {
        // The poller writes the start position when it first takes a partition; until then there
        // is nothing to walk from.
        results.push({
          topic,
          partition,
          before,
          after: before,
          logEnd: high,
          lag: high,
          waitingBehindHole: 0,
          cleaned: 0,
        });
        continue;
      }
      const links = await completions.listFrom(target.route, topic, partition, before);
      const advance = advanceCommitted(before, links);
      if (advance.committed > before) moves.set(partition, advance.committed);
      results.push({
        topic,
        partition,
        before,
        after: advance.committed,
        logEnd: high,
        lag: high > advance.committed ? high - advance.committed : 0n,
        waitingBehindHole: advance.waitingBehindHole,
        cleaned: 0,
      });
    }
    if (moves.size === 0) return results;
    if (!stillHeld()) {
      // Another run may own the route by now; writing could move an offset backwards. The next
      // run (stream or schedule) redoes this work from the offsets Kafka holds.
      throw new BridgeError(`commit: the lease of route ${target.route} ran out before the offset write`, {
        retryable: true,
      });
    }
    await offsets.commit(target.progressGroupId, topic, moves);
    if (!this.#options.deletePassed) return results;
    return Promise.all(
      results.map(async (r) =>
        r.after !== undefined && moves.has(r.partition)
          ? { ...r, cleaned: await completions.deleteRange(target.route, topic, r.partition, 0n, r.after) }
          : r,
      ),
    );
  }
}
