import { CommitLease, type HeldLease } from '../commit/lease.ts';
import { partitionOf } from '../completion/entry.ts';
import type { PartitionState } from '../completion/state.ts';
import { CompletionStore } from '../completion/store.ts';
import { progressGroupId, type Route } from '../config/index.ts';
import { KafkaOffsets } from '../kafka/offsets.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';

export type ResetTarget = { readonly offset: bigint } | { readonly time: number };

export interface ResetOptions {
  readonly to: ResetTarget;
  /** Only this partition; all of them when absent. */
  readonly partition?: number;
  /** Only this topic of the route; all of its topics when absent. */
  readonly topic?: string;
  /** Show the moves and change nothing (no completion removed, no offset committed). */
  readonly dryRun?: boolean;
}

export interface ResetMove {
  readonly topic: string;
  readonly partition: number;
  readonly before: string | null;
  readonly after: string;
  /** Completions removed between the new and the old position (moving back), so those records are delivered again. */
  readonly completionsRemoved: number;
}

export interface ResetResult {
  readonly route: string;
  readonly progressGroup: string;
  readonly moves: readonly ResetMove[];
  readonly note: string;
}

/**
 * Moves the route's progress group (the one source of truth of "done") to an offset, or to the
 * first offset at or after a time. The pollers read the progress group when they take a
 * partition, so a running poller follows after its next rebalance or restart. Records already
 * forwarded above the new position are still delivered. It holds the route's commit lease
 * while it works, so no commit run interleaves, and rewrites the route's ledger state with the
 * offsets (docs/architecture.md, Completion ledger): moving back drops the finished segments of
 * the partition and marks it reset, so ledger entries written before now are not merged into it
 * again, and removes the per-record completions between the new and the old position; the
 * deliverer would otherwise skip those records as already done.
 */
export async function reset(ctx: CliContext, routeName: string, options: ResetOptions): Promise<ResetResult> {
  const route: Route = ctx.route(routeName);
  const topics = options.topic === undefined ? route.topics : [options.topic];
  if (options.topic !== undefined && !route.topics.includes(options.topic)) {
    throw new CliError(
      `route ${route.name} does not read topic ${options.topic} (it reads ${route.topics.join(', ')})`,
    );
  }
  const group = progressGroupId(route);
  const completions = new CompletionStore({ client: ctx.dynamo, tableName: ctx.table });
  const kafka = await ctx.kafka();
  const offsets = new KafkaOffsets(kafka);
  const admin = kafka.admin();
  const lease = new CommitLease(ctx.dynamo, ctx.table);
  const held = await ctx.aws('DynamoDB', () => takeLease(lease, route.name));
  const partitionsState = new Map(held.state.partitions);
  let written = false;
  try {
    return await ctx.withKafka(async () => {
      await Promise.all([offsets.connect(), admin.connect()]);
      const moves: ResetMove[] = [];
      for (const topic of topics) {
        const [before, marks] = await Promise.all([
          offsets.committed(group, topic),
          offsets.watermarks(topic),
        ]);
        if (options.partition !== undefined && !marks.has(options.partition)) {
          throw new CliError(`topic ${topic} has no partition ${options.partition} (it has ${marks.size})`);
        }
        const partitions = [...marks.keys()]
          .filter((p) => options.partition === undefined || p === options.partition)
          .sort((a, b) => a - b);
        const target = new Map<number, bigint>();
        if ('offset' in options.to) {
          for (const partition of partitions) {
            const mark = marks.get(partition);
            if (mark === undefined) continue;
            if (options.to.offset < mark.low || options.to.offset > mark.high) {
              throw new CliError(
                `offset ${options.to.offset} is outside ${topic}/${partition}'s log (${mark.low} to ${mark.high}): pick an offset in that range`,
              );
            }
            target.set(partition, options.to.offset);
          }
        } else {
          // The first offset whose timestamp is at or after the time; the log end when none is.
          const found = await admin.fetchTopicOffsetsByTimestamp(topic, options.to.time);
          for (const { partition, offset } of found) {
            if (!partitions.includes(partition)) continue;
            const mark = marks.get(partition);
            target.set(
              partition,
              offset === '-1' || mark === undefined ? (mark?.high ?? 0n) : BigInt(offset),
            );
          }
        }
        // Completions go first: if this stops half way, the offsets have not moved yet.
        const removed = new Map<number, number>();
        for (const [partition, offset] of target) {
          const old = before.get(partition);
          if (old === undefined || offset >= old || options.dryRun === true) continue;
          removed.set(
            partition,
            await ctx.aws('DynamoDB', () =>
              completions.deleteRange(route.name, topic, partition, offset, old),
            ),
          );
        }
        for (const [partition, offset] of target) {
          const key = partitionOf(topic, partition);
          const old = before.get(partition);
          partitionsState.set(key, resetState(partitionsState.get(key), offset, old, Date.now()));
        }
        if (options.dryRun !== true) await offsets.commit(group, topic, target);
        for (const [partition, offset] of target) {
          moves.push({
            topic,
            partition,
            before: before.get(partition)?.toString() ?? null,
            after: offset.toString(),
            completionsRemoved: removed.get(partition) ?? 0,
          });
        }
      }
      if (options.dryRun !== true) {
        await ctx.aws('DynamoDB', () =>
          lease.release(held, { partitions: partitionsState, readFrom: held.state.readFrom ?? 0 }),
        );
        written = true;
      }
      return {
        route: route.name,
        progressGroup: group,
        moves,
        note:
          options.dryRun === true
            ? 'dry run: nothing was changed; without --dry-run the completions between after and before are removed and the offsets committed'
            : 'pollers read the progress group when they take a partition: restart them (or let a rebalance happen) to poll from the new position',
      };
    });
  } finally {
    if (!written) await lease.release(held).catch(() => undefined);
    await Promise.all([offsets.disconnect(), admin.disconnect()]);
  }
}

/** Takes the route's commit lease, waiting up to 15 s for a commit run to finish. */
async function takeLease(lease: CommitLease, route: string): Promise<HeldLease> {
  const owner = `kafka-bridge reset ${process.pid}`;
  for (let waited = 0; waited <= 15_000; waited += 500) {
    const held = await lease.acquire(route, owner, 120_000);
    if (held !== undefined) return held;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new CliError(`a commit run of route ${route} holds its lease; try again in a minute`);
}

/** The partition's ledger state after moving its committed offset to `offset`. */
function resetState(
  previous: PartitionState | undefined,
  offset: bigint,
  old: bigint | undefined,
  now: number,
): PartitionState {
  if (old !== undefined && offset >= old) {
    // Forward: what is finished above the new position stays finished.
    return { committed: offset, segments: (previous?.segments ?? []).filter((s) => s.offset >= offset) };
  }
  return { committed: offset, segments: [], resetAt: now };
}
