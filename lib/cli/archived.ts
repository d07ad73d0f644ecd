import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ArchiveRecord } from '../archive/archive.ts';
import { Archive, archivedEnvelope } from '../archive/archive.ts';
import type { Route } from '../config/index.ts';
import { fetchClaimCheck } from '../deliver/payload.ts';
import { PayloadError } from '../deliver/payload-error.ts';
import {
  decodeEnvelope,
  decodeRecordObject,
  type Envelope,
  EnvelopeError,
  resolveRecord,
} from '../envelope/index.ts';
import { jsonSyntaxError, jsonSyntaxProblem } from '../errors.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';
import { isVisible } from './format.ts';

/**
 * An archive object as the CLI reads it. The replay adds `replayedAt` (ISO 8601) and
 * `replays` to the object; the deliverer rewrites the whole object when a replayed record fails
 * again, which drops them, so "archived and not replayed since" is exactly "absent".
 */
export interface StoredArchive extends ArchiveRecord {
  readonly replayedAt?: string;
  readonly replays?: number;
}

/** One archived record with what the commands need from it. */
export interface ArchivedEntry {
  /** The S3 object key. */
  readonly archiveKey: string;
  readonly record: StoredArchive;
  /** The decoded envelope as sent (a record claim check stays one); undefined for a malformed message. */
  readonly envelope: Envelope | undefined;
  /**
   * The envelope with the record's real key and headers: for a record claim check read from
   * the archive's copy or else from S3; undefined when malformed or when that failed (see keyProblem).
   */
  readonly resolved: Envelope | undefined;
  /** The record key for people: UTF-8 when it is printable, else `base64:<...>`; null for no key or unknown. */
  readonly key: string | null;
  /** Why the key and headers of a record claim check could not be read (the key then shows null). */
  readonly keyProblem?: string;
  readonly groupId: string | undefined;
}

/** Every archive object of the route, in key order (topic, partition, then offset: replay order). */
export async function listArchived(ctx: CliContext, route: Route): Promise<ArchivedEntry[]> {
  const keys = await ctx
    .aws('S3', () => new Archive(ctx.s3, ctx.bucket).keys(route.name))
    .catch((error: unknown) => {
      throw bucketError(ctx, error);
    });
  const entries: ArchivedEntry[] = [];
  // A few reads at a time: an operator's archive is small, and S3 throttles per prefix anyway.
  for (let i = 0; i < keys.length; i += 16) {
    entries.push(...(await Promise.all(keys.slice(i, i + 16).map((key) => readArchived(ctx, key)))));
  }
  return entries;
}

export async function readArchived(ctx: CliContext, archiveKey: string): Promise<ArchivedEntry> {
  const out = await ctx.aws('S3', () =>
    ctx.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: archiveKey })),
  );
  const text = (await out.Body?.transformToString('utf8')) ?? '';
  let record: StoredArchive;
  try {
    record = JSON.parse(text) as StoredArchive;
  } catch (error) {
    throw new CliError(
      `archive object s3://${ctx.bucket}/${archiveKey} is not JSON: ${jsonSyntaxProblem(error)}`,
      {
        cause: jsonSyntaxError(error),
      },
    );
  }
  let envelope: Envelope | undefined;
  try {
    envelope = decodeEnvelope(record.body);
  } catch (error) {
    // A malformed message is archived too (it is what the DLQ holds); it just has no envelope.
    if (!(error instanceof EnvelopeError)) throw error;
  }
  const resolution = envelope === undefined ? undefined : await resolveArchived(ctx, record, envelope);
  const resolved = resolution !== undefined && 'envelope' in resolution ? resolution.envelope : undefined;
  return {
    archiveKey,
    record,
    envelope,
    resolved,
    key: resolved === undefined ? null : keyText(resolved.key),
    ...(resolution !== undefined && 'problem' in resolution ? { keyProblem: resolution.problem } : {}),
    groupId: record.messageGroupId,
  };
}

/**
 * A record claim check's real key and headers: from the archive's copy (claim checks expire),
 * else from the claim check itself (a record archived by the redrive consumer has no copy).
 */
async function resolveArchived(
  ctx: CliContext,
  record: StoredArchive,
  envelope: Envelope,
): Promise<{ readonly envelope: Envelope } | { readonly problem: string }> {
  const archived = archivedEnvelope(record, envelope);
  const value = envelope.value;
  if ('envelope' in archived || value === null || !('record' in value)) return archived;
  try {
    const bytes = await ctx.aws('S3', () => fetchClaimCheck(ctx.s3, value.record));
    return {
      envelope: resolveRecord(
        envelope,
        decodeRecordObject(bytes, `s3://${value.record.bucket}/${value.record.key}`),
      ),
    };
  } catch (error) {
    if (!(error instanceof PayloadError) && !(error instanceof EnvelopeError)) throw error;
    return { problem: `${archived.problem}; ${error.message}` };
  }
}

/** Records that a replay sent the record again (kept until the deliverer rewrites the object). */
export async function markReplayed(ctx: CliContext, entry: ArchivedEntry, at: number): Promise<void> {
  const record: StoredArchive = {
    ...entry.record,
    replayedAt: new Date(at).toISOString(),
    replays: (entry.record.replays ?? 0) + 1,
  };
  await ctx.aws('S3', () =>
    ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.bucket,
        Key: entry.archiveKey,
        Body: JSON.stringify(record, null, 2),
        ContentType: 'application/json',
      }),
    ),
  );
}

/** Whether the record still waits for an operator: archived and not replayed since. */
export function isPending(entry: ArchivedEntry): boolean {
  return entry.record.replayedAt === undefined;
}

export function keyText(key: Buffer | null): string | null {
  if (key === null) return null;
  const text = key.toString('utf8');
  // Printable text round-trips; anything else (binary keys, control or bidi characters) is shown
  // as base64, so it can be typed back and cannot act on a terminal.
  return isVisible(text) && Buffer.from(text, 'utf8').equals(key) ? text : `base64:${key.toString('base64')}`;
}

function bucketError(ctx: CliContext, error: unknown): unknown {
  const name = (error as { name?: unknown }).name;
  if (name === 'NoSuchBucket') {
    return new CliError(
      `bucket ${ctx.bucket} does not exist at ${ctx.endpoints.aws}: pass --bucket or set BRIDGE_BUCKET to the stack's archive bucket`,
      { cause: error },
    );
  }
  return error;
}
