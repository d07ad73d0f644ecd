import { Archive, type ArchivedAttempt } from '../archive/archive.ts';
import type { Route } from '../config/index.ts';
import type { RecordRef } from '../envelope/index.ts';
import { type ArchivedEntry, isPending, listArchived, readArchived } from './archived.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';
import { type ReplayOptions, type ReplayReport, replay } from './replay.ts';
import { depth } from './status.ts';
import { parseTraceId } from './trace.ts';

export interface DeadLetterSummary {
  readonly route: string;
  /** `route/topic/partition/offset`; for a malformed message, its archive key. */
  readonly recordId: string;
  readonly reason: string;
  /** When it was dead-lettered (ISO 8601). */
  readonly time: string;
  readonly key: string | null;
  readonly attempts: number;
}

export interface DeadLetterList {
  readonly route: string;
  readonly deadLetters: readonly DeadLetterSummary[];
  /** Messages in the DLQ itself (approximate); differs from the list while a replay is under way. */
  readonly dlqDepth: number;
}

export interface DeadLetterFilter {
  /** The record key (UTF-8 text, or `base64:...`). */
  readonly key?: string;
  /** Only those dead-lettered at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Only those whose reason or an attempt's error contains this text (case-insensitive). */
  readonly error?: string;
  /** Only these record ids (the console replays exactly the dead letters its preview showed). */
  readonly recordIds?: readonly string[];
}

/**
 * The route's dead letters waiting for an operator, from the S3 archive: it is complete and in
 * offset order, where reading the FIFO DLQ would hand out at most a batch per key at a time.
 */
export async function dlqList(
  ctx: CliContext,
  routeName: string | undefined,
  filter: DeadLetterFilter = {},
): Promise<DeadLetterList[]> {
  const lists: DeadLetterList[] = [];
  for (const route of ctx.routes(routeName)) {
    const entries = (await deadLetters(ctx, route)).filter((entry) => matches(entry, filter));
    const dlq = await depth(ctx, await ctx.deadLetterQueueUrl(route));
    lists.push({
      route: route.name,
      deadLetters: entries.map((entry) => summary(route, entry)),
      dlqDepth: dlq.visible + dlq.inFlight,
    });
  }
  return lists;
}

export interface DeadLetterDetail {
  readonly route: string;
  readonly recordId: string;
  readonly archive: string;
  readonly outcome: string;
  readonly reason: string;
  readonly key: string | null;
  /** Why key and headers are unknown (a record claim check whose S3 object is gone), else null. */
  readonly keyProblem: string | null;
  readonly messageGroupId: string | null;
  readonly topic: string | null;
  readonly partition: number | null;
  readonly offset: string | null;
  readonly from: string | null;
  /** Kafka's record timestamp (ISO 8601), when it has one. */
  readonly timestamp: string | null;
  readonly headers: readonly { readonly name: string; readonly value: string | null }[];
  /** At most 1 KiB of the value as UTF-8 (binary bytes are replaced), null for a tombstone. */
  readonly payloadPreview: string | null;
  readonly payloadBytes: number | null;
  readonly attemptCount: number;
  readonly attempts: readonly ArchivedAttempt[];
  readonly firstReceivedAt: string | null;
  readonly archivedAt: string;
  readonly replayedAt: string | null;
}

const PREVIEW_BYTES = 1024;

/** One dead letter (or parked record) in full: envelope metadata, payload preview, error history. */
export async function dlqShow(ctx: CliContext, id: string, routeName?: string): Promise<DeadLetterDetail> {
  const ref = parseTraceId(id, routeName, 'dlq show');
  const route = ctx.route(ref.route);
  const key = Archive.keyOf(route.name, ref.topic, ref.partition, ref.offset);
  try {
    return detail(route, await readArchived(ctx, key));
  } catch (error) {
    if ((error as { name?: unknown }).name !== 'NoSuchKey') throw error;
    throw new CliError(
      `no archive object s3://${ctx.bucket}/${key}: ${recordIdOf(ref)} was not dead-lettered or parked (try kafka-bridge trace ${recordIdOf(ref)})`,
      { cause: error },
    );
  }
}

function recordIdOf(ref: RecordRef): string {
  return `${ref.route}/${ref.topic}/${ref.partition}/${ref.offset}`;
}

export function detail(route: Route, entry: ArchivedEntry): DeadLetterDetail {
  // The real record: a record claim check's key, headers and value are in S3, not in the body.
  const envelope = entry.resolved ?? entry.envelope;
  const record = entry.record;
  const payload =
    record.payloadBase64 === undefined || record.payloadBase64 === null
      ? envelope !== undefined && envelope.value !== null && 'inline' in envelope.value
        ? envelope.value.inline
        : null
      : Buffer.from(record.payloadBase64, 'base64');
  const timestamp =
    envelope === undefined || envelope.timestamp === '-1'
      ? null
      : new Date(Number(envelope.timestamp)).toISOString();
  return {
    route: route.name,
    recordId: record.recordId ?? entry.archiveKey,
    archive: entry.archiveKey,
    outcome: record.outcome,
    reason: record.reason,
    key: entry.key,
    keyProblem: entry.keyProblem ?? null,
    messageGroupId: record.messageGroupId ?? null,
    topic: envelope?.topic ?? null,
    partition: envelope?.partition ?? null,
    offset: envelope?.offset ?? null,
    from: envelope?.from ?? null,
    timestamp,
    headers: (envelope?.headers ?? []).map(([name, value]) => ({
      name,
      value: value === null ? null : value.toString('utf8'),
    })),
    payloadPreview: payload === null ? null : payload.subarray(0, PREVIEW_BYTES).toString('utf8'),
    payloadBytes: payload === null ? null : payload.length,
    attemptCount: record.attemptCount,
    attempts: record.attempts,
    firstReceivedAt: record.firstReceivedAt ?? null,
    archivedAt: record.archivedAt,
    replayedAt: record.replayedAt ?? null,
  };
}

/**
 * Replays the route's dead letters that match the filter (see replay.ts): back into the queue in
 * offset order per key with new deduplication ids, then out of the DLQ. A dead letter of a
 * quarantined key is replayed with the records parked behind it, and the key's quarantine is
 * lifted when none is left.
 */
export async function dlqReplay(
  ctx: CliContext,
  routeName: string | undefined,
  filter: DeadLetterFilter = {},
  options: ReplayOptions = {},
): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  for (const route of ctx.routes(routeName)) {
    const selected = (await deadLetters(ctx, route)).filter((entry) => matches(entry, filter));
    reports.push(await replay(ctx, route, selected, options));
  }
  return reports;
}

async function deadLetters(ctx: CliContext, route: Route): Promise<ArchivedEntry[]> {
  return (await listArchived(ctx, route)).filter(
    (entry) => entry.record.outcome === 'dead-lettered' && isPending(entry),
  );
}

function matches(entry: ArchivedEntry, filter: DeadLetterFilter): boolean {
  if (filter.recordIds !== undefined && !filter.recordIds.includes(entry.record.recordId ?? entry.archiveKey))
    return false;
  if (filter.key !== undefined && entry.key !== filter.key) return false;
  if (filter.since !== undefined && Date.parse(entry.record.archivedAt) < filter.since) return false;
  if (filter.error !== undefined) {
    const needle = filter.error.toLowerCase();
    const texts = [entry.record.reason, ...entry.record.attempts.map((a) => `${a.error} ${a.excerpt ?? ''}`)];
    if (!texts.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  return true;
}

function summary(route: Route, entry: ArchivedEntry): DeadLetterSummary {
  return {
    route: route.name,
    recordId: entry.record.recordId ?? entry.archiveKey,
    reason: entry.record.reason,
    time: entry.record.archivedAt,
    key: entry.key,
    attempts: entry.record.attemptCount,
  };
}
