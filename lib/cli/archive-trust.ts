import { Archive } from '../archive/archive.ts';
import type { LedgerEntry } from '../completion/entry.ts';
import { ENTRY_VISIBLE_WITHIN_MS, type Ledger } from '../completion/ledger.ts';
import { isFinished, type RouteState } from '../completion/state.ts';
import type { CompletionStore } from '../completion/store.ts';
import { payloadPrefix, type Route } from '../config/index.ts';
import { type Envelope, messageGroupId, recordId } from '../envelope/index.ts';
import type { ArchivedEntry } from './archived.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';

/**
 * Why an archive object must not be replayed, or undefined when it may. The replay sends the
 * object's body to the route's queue (the deliverer then signs and delivers it) and writes
 * claim-check bytes where the object points, so whoever can write to the archive prefix could
 * otherwise inject records into any route or write into any bucket. The object must be the one
 * its key says: the envelope's route, topic, partition and offset give back exactly its archive
 * key, the record id and message group agree, and a claim check points into this bucket under
 * the route's own `payloads/` prefix.
 */
export function archiveMismatch(ctx: CliContext, route: Route, entry: ArchivedEntry): string | undefined {
  const envelope = entry.envelope;
  if (envelope === undefined) return undefined; // malformed: never sent
  if (envelope.route !== route.name) return `its envelope is of route ${JSON.stringify(envelope.route)}`;
  const expectedKey = Archive.keyOf(route.name, envelope.topic, envelope.partition, envelope.offset);
  if (expectedKey !== entry.archiveKey) {
    return `its envelope (topic ${JSON.stringify(envelope.topic)}, partition ${envelope.partition}, offset ${envelope.offset}) belongs at ${expectedKey}`;
  }
  const id = recordId(envelope);
  if (entry.record.recordId !== id)
    return `its record id ${JSON.stringify(entry.record.recordId)} is not ${id}`;
  const group = groupOf(route, entry.resolved ?? envelope);
  if (group !== undefined && entry.groupId !== group) {
    return `its message group ${JSON.stringify(entry.groupId)} is not the record's (${group})`;
  }
  const value = envelope.value;
  if (value === null || 'inline' in value) return undefined;
  const pointer = 's3' in value ? value.s3 : value.record;
  const prefix = payloadPrefix(route);
  if (pointer.bucket !== ctx.bucket || !pointer.key.startsWith(prefix) || pointer.key.includes('..')) {
    return `its claim check s3://${pointer.bucket}/${pointer.key} is outside s3://${ctx.bucket}/${prefix}`;
  }
  return undefined;
}

/** Refuses the replay when any entry fails `archiveMismatch`, before anything is sent. */
export function assertTrusted(ctx: CliContext, route: Route, entries: readonly ArchivedEntry[]): void {
  for (const entry of entries) {
    const problem = archiveMismatch(ctx, route, entry);
    if (problem !== undefined) {
      throw new CliError(
        `refusing to replay archive object s3://${ctx.bucket}/${entry.archiveKey}: ${problem} (a forged or misplaced object; nothing was replayed from it)`,
      );
    }
  }
}

function groupOf(route: Route, envelope: Envelope): string | undefined {
  // A record claim check not resolved has no known key; the group cannot be checked.
  if (envelope.value !== null && 'record' in envelope.value) return undefined;
  return messageGroupId({
    key: envelope.key,
    partition: envelope.partition,
    offset: envelope.offset,
    ordering: route.ordering,
  });
}

/** What the ledger says of a route, read once per replay (and again when a record is not in it). */
interface LedgerView {
  readonly state: RouteState;
  readonly entries: readonly LedgerEntry[];
}

async function readView(ledger: Pick<Ledger, 'state' | 'entriesSince'>, route: string): Promise<LedgerView> {
  const state = await ledger.state(route, true);
  const since = state.readFrom === undefined ? 0 : state.readFrom - ENTRY_VISIBLE_WITHIN_MS;
  return { state, entries: (await ledger.entriesSince(route, since)).entries };
}

function viewMismatch(view: LedgerView, envelope: Envelope, record: LedgerRecordRef): string | undefined {
  for (const entry of view.entries) {
    const line = entry.records.find(
      (r) => r.topic === record.topic && r.partition === record.partition && r.offset === record.offset,
    );
    if (line !== undefined) {
      return line.from === record.from
        ? undefined
        : `its from ${envelope.from} is not the from ${line.from} the ledger holds for offset ${envelope.offset}`;
    }
  }
  if (isFinished(view.state, record)) return undefined;
  return `the ledger holds no completion of offset ${envelope.offset} from ${envelope.from}`;
}

type LedgerRecordRef = { topic: string; partition: number; from: bigint; offset: bigint };

/**
 * Checks archive objects against the completion the ledger holds for their record. The replayed
 * record's new completion spans `from` to `offset`, so a forged object with a smaller `from`
 * would make the commit bridge a gap of unfinished records. The record must be finished with
 * exactly this `from`: its per-record item (keyed by `from`), a ledger entry's line for its
 * offset, or the route state (below the committed offset, or inside a finished segment that
 * covers `from` to `offset`).
 */
export class ClaimCheck {
  readonly #ledger: Pick<Ledger, 'state' | 'entriesSince'>;
  readonly #completions: Pick<CompletionStore, 'get'>;
  readonly #route: string;
  #view: LedgerView | undefined;

  constructor(
    ledger: Pick<Ledger, 'state' | 'entriesSince'>,
    completions: Pick<CompletionStore, 'get'>,
    route: string,
  ) {
    this.#ledger = ledger;
    this.#completions = completions;
    this.#route = route;
  }

  /** Why the envelope does not match its completion, or undefined when it does. */
  async mismatch(envelope: Envelope): Promise<string | undefined> {
    const record = {
      topic: envelope.topic,
      partition: envelope.partition,
      from: BigInt(envelope.from),
      offset: BigInt(envelope.offset),
    };
    if (record.from > record.offset)
      return `its from ${envelope.from} is above its offset ${envelope.offset}`;
    const item = await this.#completions.get(this.#route, record.topic, record.partition, record.from);
    if (item !== undefined && item.offset === record.offset) return undefined;
    this.#view ??= await readView(this.#ledger, this.#route);
    if (viewMismatch(this.#view, envelope, record) === undefined) return undefined;
    // Written since the view was read (a record parked during a replay): read it again once.
    this.#view = await readView(this.#ledger, this.#route);
    return viewMismatch(this.#view, envelope, record);
  }
}

/** Refuses the replay of an entry whose envelope does not match its completion (ClaimCheck). */
export async function assertClaimed(ctx: CliContext, entry: ArchivedEntry, check: ClaimCheck): Promise<void> {
  if (entry.envelope === undefined) return;
  const envelope = entry.envelope;
  const problem = await ctx.aws('DynamoDB', () => check.mismatch(envelope));
  if (problem !== undefined) {
    throw new CliError(
      `refusing to replay archive object s3://${ctx.bucket}/${entry.archiveKey}: ${problem} (a forged or misplaced object; nothing was replayed from it)`,
    );
  }
}
