import type { CompletionStatus } from './completion.ts';
import { ENTRY_VISIBLE_WITHIN_MS, type Ledger } from './ledger.ts';
import { isFinished } from './state.ts';
import type { CompletionStore } from './store.ts';

/** What the ledger knows of one record. */
export interface FinishedRecord {
  /** undefined when only the route state says it is finished (its status is not kept there). */
  readonly status: CompletionStatus | undefined;
  readonly at: number | undefined;
  readonly attempts: number | undefined;
  readonly where: 'per-record' | 'state' | 'entry';
}

/**
 * Finds a record's completion wherever the ledger keeps it (docs/architecture.md, Completion
 * ledger), strongly consistent: its per-record item (replays, the redrive consumer, the old
 * per-record ledger), an entry (matched by offset: unique in a partition), or the route state
 * (merged by the commit function, which keeps no status). For the redrive consumer and the CLI, never on the deliverer's hot path.
 */
export async function findFinished(
  ledger: Pick<Ledger, 'state' | 'entriesSince'>,
  completions: Pick<CompletionStore, 'get'>,
  route: string,
  record: {
    readonly topic: string;
    readonly partition: number;
    readonly from: bigint;
    readonly offset: bigint;
  },
  /** Read entries from this time on instead of the state's (tests: every entry). */
  entriesFrom?: number,
): Promise<FinishedRecord | undefined> {
  const item = await completions.get(route, record.topic, record.partition, record.from);
  if (item !== undefined && item.offset === record.offset) {
    return { status: item.status, at: item.at, attempts: item.attempts, where: 'per-record' };
  }
  const state = await ledger.state(route, true);
  const since = entriesFrom ?? (state.readFrom === undefined ? 0 : state.readFrom - ENTRY_VISIBLE_WITHIN_MS);
  const { entries } = await ledger.entriesSince(route, since);
  for (const entry of entries) {
    const found = entry.records.find(
      (r) => r.topic === record.topic && r.partition === record.partition && r.offset === record.offset,
    );
    if (found !== undefined)
      return { status: found.status, at: entry.at, attempts: found.attempts, where: 'entry' };
  }
  if (isFinished(state, record))
    return { status: undefined, at: undefined, attempts: undefined, where: 'state' };
  return undefined;
}
