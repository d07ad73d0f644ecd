import { CommitLease } from '../../lib/commit/lease.ts';
import type { Completion } from '../../lib/completion/completion.ts';
import { partitionOf } from '../../lib/completion/entry.ts';
import { Ledger } from '../../lib/completion/ledger.ts';
import { findFinished } from '../../lib/completion/lookup.ts';
import type { CompletionStore } from '../../lib/completion/store.ts';

/** Writes 'delivered' completions for records whose `from` is their own offset (no gaps before them). */
export async function completeDelivered(
  store: CompletionStore,
  where: { readonly route: string; readonly topic: string; readonly partition?: number },
  offsets: readonly bigint[],
): Promise<void> {
  for (const offset of offsets) {
    await store.put({
      route: where.route,
      topic: where.topic,
      partition: where.partition ?? 0,
      from: offset,
      offset,
      status: 'delivered',
      at: Date.now(),
      attempts: 1,
    });
  }
}

/**
 * A record's completion wherever the ledger keeps it (per-record item, or any ledger entry of
 * the route), with its status; undefined while it is not finished. `from` defaults to the
 * offset (no gap before the record).
 */
export async function ledgerCompletion(
  store: CompletionStore,
  route: string,
  topic: string,
  partition: number,
  offset: bigint,
  from: bigint = offset,
): Promise<Completion | undefined> {
  const ledger = new Ledger({ client: store.client, tableName: store.tableName });
  const found = await findFinished(ledger, store, route, { topic, partition, from, offset }, 0);
  if (found?.status === undefined) return undefined;
  return {
    route,
    topic,
    partition,
    from,
    offset,
    status: found.status,
    at: found.at ?? 0,
    attempts: found.attempts ?? 0,
  };
}

/**
 * Makes the route's ledger state say the records at `offsets` (each `from` its own offset) are
 * finished above committed offset 0, as the commit function writes it after merging their
 * entries (through the commit lease, its only writer).
 */
export async function finishedInState(
  store: CompletionStore,
  where: { readonly route: string; readonly topic: string; readonly partition?: number },
  offsets: readonly bigint[],
): Promise<void> {
  const lease = new CommitLease(store.client, store.tableName);
  const held = await lease.acquire(where.route, 'test-support', 10_000);
  if (held === undefined) throw new Error(`the commit lease of ${where.route} is taken`);
  const segments = offsets.map((offset) => ({ from: offset, offset }));
  const key = partitionOf(where.topic, where.partition ?? 0);
  await lease.release(held, {
    partitions: new Map([[key, { committed: 0n, segments }]]),
    readFrom: Date.now(),
  });
}
