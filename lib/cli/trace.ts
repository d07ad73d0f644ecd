import type { ArchivedAttempt } from '../archive/archive.ts';
import { Archive } from '../archive/archive.ts';
import { Ledger } from '../completion/ledger.ts';
import { type FinishedRecord, findFinished } from '../completion/lookup.ts';
import { CompletionStore } from '../completion/store.ts';
import { progressGroupId, type Route } from '../config/index.ts';
import { AttemptLog } from '../deliver/attempt-log.ts';
import { EnvelopeError, parseRecordId, type RecordRef } from '../envelope/index.ts';
import { KafkaOffsets } from '../kafka/offsets.ts';
import { readArchived } from './archived.ts';
import type { CliContext } from './context.ts';
import { CliError, usageError } from './errors.ts';
import { allDone } from './status.ts';

export type TraceState =
  /** The offset is at or past the log end: no such record yet. */
  | 'not-produced'
  /** Below the log start: deleted by retention or compaction. */
  | 'gone'
  /** Not finished: in the queue, being retried (see attempts), or not polled yet. */
  | 'in-flight'
  | 'delivered'
  | 'dead-lettered'
  | 'parked'
  /** Committed, and neither archive nor completion is left: it was delivered (entries expire once committed). */
  | 'delivered-and-committed';

export interface TraceResult {
  readonly recordId: string;
  readonly state: TraceState;
  /** Whether the poller forwarded it: true when anything of it is known, null when that cannot be told. */
  readonly forwarded: boolean | null;
  readonly committed: boolean;
  /** The progress group's committed offset of the partition (null: none yet). */
  readonly committedOffset: string | null;
  readonly logEnd: string;
  readonly completion: {
    /** 'finished' when only the commit's merged state knows it (which keeps no status). */
    readonly status: string;
    readonly at: string | null;
    readonly attempts: number | null;
    /** Where the ledger keeps it: a per-record item, a batch's entry, or the merged state. */
    readonly where: FinishedRecord['where'];
  } | null;
  /** Attempts of a record still being retried (attempt log) or of a dead letter (archive). */
  readonly attempts: readonly ArchivedAttempt[];
  readonly attemptCount: number;
  readonly archive: {
    readonly key: string;
    readonly outcome: string;
    readonly reason: string;
    readonly archivedAt: string;
    readonly replayedAt: string | null;
  } | null;
}

/**
 * Where one record is: forwarded? each attempt and answer, delivered, dead-lettered or parked,
 * committed? `id` is `route/topic/partition/offset`, or `topic/partition/offset` with a route.
 */
export async function trace(ctx: CliContext, id: string, routeName?: string): Promise<TraceResult> {
  const ref = parseTraceId(id, routeName);
  const route = ctx.route(ref.route);
  if (!route.topics.includes(ref.topic)) {
    throw new CliError(
      `route ${route.name} does not read topic ${ref.topic} (it reads ${route.topics.join(', ')})`,
    );
  }
  const offset = BigInt(ref.offset);
  const { committed, low, high } = await kafkaPosition(ctx, route, ref);

  const completions = new CompletionStore({ client: ctx.dynamo, tableName: ctx.table });
  const ledger = new Ledger({ client: ctx.dynamo, tableName: ctx.table });
  const completion = await ctx.aws('DynamoDB', () => findCompletion(completions, ledger, ref, offset));
  const archiveKey = Archive.keyOf(route.name, ref.topic, ref.partition, ref.offset);
  const archived = await readArchived(ctx, archiveKey).catch((error: unknown) => {
    if ((error as { name?: unknown }).name === 'NoSuchKey') return undefined;
    throw error;
  });
  // Attempts of a record still retrying are keyed by its `from`, known only from a completion or
  // the archive; without either, `from == offset` is the common case (no gap before it).
  const from =
    completion?.from ?? (archived?.envelope === undefined ? offset : BigInt(archived.envelope.from));
  const history = await ctx.aws('DynamoDB', () =>
    new AttemptLog(ctx.dynamo, ctx.table).get(route.name, ref.topic, ref.partition, from),
  );

  const isCommitted = committed !== undefined && offset < committed;
  let state: TraceState;
  if (offset >= high) state = 'not-produced';
  else if (archived !== undefined && archived.record.replayedAt === undefined)
    state = archived.record.outcome;
  else if (completion !== undefined) state = completion.status ?? 'delivered';
  else if (isCommitted) state = offset < low ? 'gone' : 'delivered-and-committed';
  else state = 'in-flight';

  const known = completion !== undefined || archived !== undefined || history.count > 0;
  return {
    recordId: `${ref.route}/${ref.topic}/${ref.partition}/${ref.offset}`,
    state,
    forwarded: known || isCommitted ? true : offset >= high ? false : null,
    committed: isCommitted,
    committedOffset: committed === undefined ? null : committed.toString(),
    logEnd: high.toString(),
    completion:
      completion === undefined
        ? null
        : {
            status: completion.status ?? 'finished',
            at: completion.at === undefined ? null : new Date(completion.at).toISOString(),
            attempts: completion.attempts ?? null,
            where: completion.where,
          },
    attempts: archived !== undefined && history.count === 0 ? archived.record.attempts : history.attempts,
    attemptCount:
      archived !== undefined && history.count === 0
        ? archived.record.attemptCount
        : history.count > 0
          ? history.count
          : (completion?.attempts ?? 0),
    archive:
      archived === undefined
        ? null
        : {
            key: archiveKey,
            outcome: archived.record.outcome,
            reason: archived.record.reason,
            archivedAt: archived.record.archivedAt,
            replayedAt: archived.record.replayedAt ?? null,
          },
  };
}

/** A record id as `command` (trace, dlq show) takes it; its errors name that command. */
export function parseTraceId(
  id: string,
  routeName: string | undefined,
  command: 'trace' | 'dlq show' = 'trace',
): RecordRef {
  const parts = id.split('/');
  const full = parts.length === 3 ? (routeName === undefined ? undefined : `${routeName}/${id}`) : id;
  if (full === undefined) {
    throw usageError(`${command} ${id}: give the route too: ${command} <route>/${id}, or --route <name>`);
  }
  try {
    return parseRecordId(full);
  } catch (error) {
    if (error instanceof EnvelopeError) throw usageError(`${command}: ${error.message}`);
    throw error;
  }
}

async function kafkaPosition(
  ctx: CliContext,
  route: Route,
  ref: RecordRef,
): Promise<{ committed: bigint | undefined; low: bigint; high: bigint }> {
  const offsets = new KafkaOffsets(await ctx.kafka());
  try {
    return await ctx.withKafka(async () => {
      await offsets.connect();
      const [committed, marks] = await allDone(
        offsets.committed(progressGroupId(route), ref.topic),
        offsets.watermarks(ref.topic),
      );
      const mark = marks.get(ref.partition);
      if (mark === undefined) {
        throw new CliError(`topic ${ref.topic} has no partition ${ref.partition} (it has ${marks.size})`);
      }
      return { committed: committed.get(ref.partition), low: mark.low, high: mark.high };
    });
  } finally {
    await offsets.disconnect();
  }
}

/**
 * The record's completion wherever the ledger keeps it (lib/completion/lookup.ts). Per-record
 * items are keyed by `from`, which equals the offset unless the poller skipped a gap
 * (transaction markers, compaction) right before it: the direct read finds the usual case; a
 * short scan of the items before it finds the rest. Entries are matched by offset; the merged
 * state by offset too (a record never straddles a finished segment's bounds). A record only the
 * state knows and no archive names was delivered: dead letters and parked records are archived.
 */
async function findCompletion(
  store: CompletionStore,
  ledger: Ledger,
  ref: RecordRef,
  offset: bigint,
): Promise<(FinishedRecord & { from?: bigint }) | undefined> {
  const start = offset > 1000n ? offset - 1000n : 0n;
  const near = await store.listFrom(ref.route, ref.topic, ref.partition, start, 1001);
  const item = near.find((candidate) => candidate.offset === offset);
  if (item !== undefined) {
    return {
      status: item.status,
      at: item.at,
      attempts: item.attempts,
      where: 'per-record',
      from: item.from,
    };
  }
  const where = { topic: ref.topic, partition: ref.partition, from: offset, offset };
  return findFinished(ledger, store, ref.route, where);
}
