import type { Completion } from '../completion/completion.ts';
import type { LedgerRecord } from '../completion/entry.ts';
import type { Ledger } from '../completion/ledger.ts';
import { isFinished, type RouteState } from '../completion/state.ts';
import { type CompletionStore, completionKey } from '../completion/store.ts';
import type { CompletionSink } from './dead-letter.ts';

/**
 * A batch's completions (docs/architecture.md, Completion ledger): the records the batch
 * finishes are collected in memory and written as one ledger entry when the batch ends, one
 * DynamoDB write for the whole batch. Nothing of it is written before the batch ends: a crash
 * loses the whole entry, and every message of the batch comes back (a redelivery after a
 * crash, I5); the steps before a completion (archive, DLQ, quarantine mark) repeat harmlessly.
 */
export class BatchLedger implements CompletionSink {
  readonly #records: LedgerRecord[] = [];

  async put(completion: Completion): Promise<void> {
    this.#records.push({
      topic: completion.topic,
      partition: completion.partition,
      from: completion.from,
      offset: completion.offset,
      status: completion.status,
      attempts: completion.attempts,
    });
  }

  get records(): readonly LedgerRecord[] {
    return this.#records;
  }

  /** Writes the entry (nothing when the batch finished no record). */
  async flush(ledger: Pick<Ledger, 'writeEntry'>, route: string): Promise<void> {
    await ledger.writeEntry(route, this.#records);
  }
}

export interface FinishedCheck {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
  readonly offset: bigint;
  /** A replayed record is checked against its per-record completion, not the route state. */
  readonly replayed: boolean;
}

/**
 * The duplicate check of a batch (I5): one eventually consistent read of the route state, plus
 * a BatchGetItem of per-record completions for replayed records only. The state may be behind
 * (an entry not merged yet): the check then misses a duplicate, which only a crash or a timeout
 * can have caused, and which the idempotency key covers; it never skips an unfinished record.
 */
export async function finishedOf(
  ledger: Pick<Ledger, 'state'>,
  completions: Pick<CompletionStore, 'getMany'>,
  route: string,
  records: readonly FinishedCheck[],
): Promise<{ state: RouteState; finished: Map<string, string> }> {
  const replayed = records.filter((r) => r.replayed);
  const [state, perRecord] = await Promise.all([
    ledger.state(route, false),
    replayed.length === 0 ? new Map<string, Completion>() : completions.getMany(route, replayed),
  ]);
  const finished = new Map<string, string>();
  for (const [key, completion] of perRecord) finished.set(key, completion.status);
  for (const r of records) {
    if (!r.replayed && isFinished(state, r)) finished.set(finishedKey(r), 'finished');
  }
  return { state, finished };
}

/** How a batch keys its finished records: topic, partition and `from` (as CompletionStore.getMany). */
export function finishedKey(r: {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
}): string {
  return completionKey(r.topic, r.partition, r.from);
}
