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
