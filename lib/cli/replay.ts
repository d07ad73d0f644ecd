import { hostname } from 'node:os';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { offsetSortKey, partitionKey } from '../completion/completion.ts';
import { Ledger } from '../completion/ledger.ts';
import { CompletionStore } from '../completion/store.ts';
import type { Route } from '../config/index.ts';
import { REPLAY_MARKER } from '../deliver/deliverer.ts';
import {
  claimCheckProblem,
  deduplicationId,
  type Envelope,
  isValidSqsId,
  SQS_ID_MAX_LENGTH,
  sha256Base64url,
} from '../envelope/index.ts';
import { QuarantineStore, quarantinePartitionKey } from '../quarantine/quarantine.ts';
import { assertClaimed, assertTrusted, ClaimCheck } from './archive-trust.ts';
import { type ArchivedEntry, isPending, listArchived, markReplayed } from './archived.ts';
import type { CliContext } from './context.ts';
import { ReplayLock } from './replay-lock.ts';

export type ReplayOutcome =
  /** Sent back into the queue (not waited for). */
  | 'sent'
  /** Sent and delivered (quarantined keys are replayed one record at a time, so they are waited for). */
  | 'delivered'
  /** Sent and dead-lettered again: the key stays quarantined behind it. */
  | 'dead-lettered'
  /** Sent, but no outcome within the wait: the key stays quarantined; run the replay again later. */
  | 'pending'
  /** Not sent: its completion says it was delivered after all. */
  | 'already-delivered'
  /** Not sent: an earlier record of its key failed again, so it stays parked behind that one. */
  | 'held-back'
  /** Not sent: a malformed message has no record to send. */
  | 'malformed'
  /** `--dry-run`: would be sent (a quarantined key's records are listed in the order they would go). */
  | 'would-send';

export interface ReplayedRecord {
  readonly recordId: string;
  readonly key: string | null;
  readonly outcome: ReplayOutcome;
  /** The new deduplication id it was sent with. */
  readonly deduplicationId?: string;
}

export interface ReplayReport {
  readonly route: string;
  readonly records: readonly ReplayedRecord[];
  /** Keys whose quarantine was lifted (nothing of theirs was left). */
  readonly lifted: readonly string[];
  /** Keys still quarantined, with why. */
  readonly stillQuarantined: readonly { readonly key: string; readonly reason: string }[];
  /** Dead letters removed from the DLQ. */
  readonly removedFromDlq: number;
}

export interface ReplayOptions {
  /** How long to wait for each replayed record of a quarantined key to finish. Default 60 s. */
  readonly waitMs?: number;
  readonly now?: () => number;
  /** List what would be replayed, after the archive checks, and change nothing. */
  readonly dryRun?: boolean;
  /** Called with each record's outcome as it is known (the console shows a replay's progress). */
  readonly onRecord?: (record: ReplayedRecord) => void;
  /** Who replays, shown to a replay refused by the lock (replay-lock.ts). */
  readonly holder?: string;
}

/**
 * Sends archived records back into the route's queue, in offset order per key, with new
 * deduplication ids (`<dedup id>#replay-<ms>`: the originals are still in SQS's deduplication
 * window, or the record would be dropped), and removes them from the DLQ.
 *
 * Before sending, the record's completion (dead-lettered or parked) is deleted, so the deliverer's
 * duplicate check lets it through; a delivered completion is never deleted (that record is not
 * replayed). The commit is unaffected where it has passed the record already; where it has not,
 * it waits for the replay's outcome, which writes a completion again.
 *
 * A key that is quarantined is replayed one record at a time, waiting for each outcome: the
 * replayed messages carry the `bridge-replay` attribute, which lets the deliverer deliver them
 * despite the quarantine (lib/deliver/deliverer.ts); if they were all sent at once and one failed
 * again, the next would be delivered past it. Records the key parks meanwhile are picked up by
 * listing the archive again; the quarantine is lifted when none is left. A record parked in the
 * instant between that last listing and the lift stays parked (quarantine list shows no entry;
 * its archive object shows it): the window is one DynamoDB call wide.
 */
export async function replay(
  ctx: CliContext,
  route: Route,
  selected: readonly ArchivedEntry[],
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  if (options.dryRun === true) return replayUnder(undefined, ctx, route, selected, options);
  // One replay of the route at a time, whoever runs it (replay-lock.ts).
  const lock = new ReplayLock(ctx.dynamo, ctx.table, route.name, {
    holder: options.holder ?? `kafka-bridge on ${hostname()} (pid ${process.pid})`,
  });
  await ctx.aws('DynamoDB', () => lock.acquire());
  try {
    return await replayUnder(lock, ctx, route, selected, options);
  } finally {
    await lock.release();
  }
}

async function replayUnder(
  lock: ReplayLock | undefined,
  ctx: CliContext,
  route: Route,
  selected: readonly ArchivedEntry[],
  options: ReplayOptions,
): Promise<ReplayReport> {
  // Every selected object must be what its key says before anything is sent (archive-trust.ts).
  assertTrusted(ctx, route, selected);
  const now = options.now ?? Date.now;
  const startedAt = now();
  const waitMs = options.waitMs ?? 60_000;
  const quarantines = route.onPoison === 'quarantine' && route.ordering !== 'none';
  const quarantined = quarantines
    ? await ctx.aws('DynamoDB', () => new QuarantineStore(ctx.dynamo, ctx.table).load(route.name))
    : new Map();
  if (options.dryRun === true) return dryRun(ctx, route, selected, new Set(quarantined.keys()));
  const completions = new CompletionStore({ client: ctx.dynamo, tableName: ctx.table });
  const claims = new ClaimCheck(
    new Ledger({ client: ctx.dynamo, tableName: ctx.table }),
    completions,
    route.name,
  );
  // Every selected object against its completion before anything is sent.
  for (const entry of selected) await assertClaimed(ctx, entry, claims);
  const doc = DynamoDBDocumentClient.from(ctx.dynamo);
  const queueUrl = await ctx.queueUrl(route);
  const records: ReplayedRecord[] = [];
  const noted = (record: ReplayedRecord) => {
    records.push(record);
    options.onRecord?.(record);
  };
  const lifted: string[] = [];
  const stillQuarantined: { key: string; reason: string }[] = [];
  const replayedIds = new Set<string>();

  const send = async (entry: ArchivedEntry, envelope: Envelope): Promise<string | undefined> => {
    const id = entry.record.recordId ?? '';
    lock?.assertHeld();
    // Objects listed while walking a quarantined key are checked as they come, and each
    // against the completion it claims (its `from`) before its completion is touched.
    assertTrusted(ctx, route, [entry]);
    await assertClaimed(ctx, entry, claims);
    try {
      await ctx.aws('DynamoDB', () =>
        doc.send(
          new DeleteCommand({
            TableName: ctx.table,
            Key: {
              pk: partitionKey(route.name, envelope.topic, envelope.partition),
              sk: offsetSortKey(BigInt(envelope.from)),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #status <> :delivered',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':delivered': 'delivered' },
          }),
        ),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
    await restoreClaimCheck(ctx, entry, envelope);
    const dedup = replayDeduplicationId(envelope, now());
    await ctx.aws('SQS', () =>
      ctx.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: entry.record.body,
          MessageGroupId: entry.groupId ?? 'replay',
          MessageDeduplicationId: dedup,
          MessageAttributes: { [REPLAY_MARKER]: { DataType: 'String', StringValue: id } },
        }),
      ),
    );
    await markReplayed(ctx, entry, now());
    replayedIds.add(id);
    return dedup;
  };

  const waitForOutcome = async (envelope: Envelope): Promise<'delivered' | 'dead-lettered' | 'pending'> => {
    const end = now() + waitMs;
    for (;;) {
      const done = await ctx.aws('DynamoDB', () =>
        completions.get(route.name, envelope.topic, envelope.partition, BigInt(envelope.from)),
      );
      if (done !== undefined) return done.status === 'delivered' ? 'delivered' : 'dead-lettered';
      if (now() > end) return 'pending';
      await sleep(200);
    }
  };

  // Quarantined keys: the dead letters selected, plus every record parked behind them.
  const groupsToWalk = new Set<string>();
  const batch: ArchivedEntry[] = [];
  for (const entry of selected) {
    if (entry.envelope === undefined || entry.record.recordId === undefined) {
      noted({ recordId: entry.archiveKey, key: null, outcome: 'malformed' });
    } else if (entry.groupId !== undefined && quarantined.has(entry.groupId)) {
      groupsToWalk.add(entry.groupId);
    } else {
      batch.push(entry);
    }
  }

  for (const entry of inReplayOrder(batch)) {
    const envelope = entry.envelope as Envelope;
    const dedup = await send(entry, envelope);
    noted({
      recordId: entry.record.recordId ?? entry.archiveKey,
      key: entry.key,
      outcome: dedup === undefined ? 'already-delivered' : 'sent',
      ...(dedup === undefined ? {} : { deduplicationId: dedup }),
    });
  }

  for (const groupId of groupsToWalk) {
    let stop: string | undefined;
    let keyName = groupId;
    const tried = new Set<string>();
    walk: for (;;) {
      const pending = inReplayOrder(
        (await listArchived(ctx, route)).filter(
          (entry) =>
            entry.groupId === groupId &&
            entry.envelope !== undefined &&
            isPending(entry) &&
            !tried.has(entry.archiveKey),
        ),
      );
      if (pending.length === 0) break;
      for (const [index, entry] of pending.entries()) {
        const envelope = entry.envelope as Envelope;
        const id = entry.record.recordId ?? entry.archiveKey;
        keyName = entry.key ?? groupId;
        tried.add(entry.archiveKey);
        const dedup = await send(entry, envelope);
        if (dedup === undefined) {
          noted({ recordId: id, key: entry.key, outcome: 'already-delivered' });
          continue;
        }
        const outcome = await waitForOutcome(envelope);
        noted({ recordId: id, key: entry.key, outcome, deduplicationId: dedup });
        if (outcome === 'delivered') continue;
        for (const rest of pending.slice(index + 1)) {
          noted({
            recordId: rest.record.recordId ?? rest.archiveKey,
            key: rest.key,
            outcome: 'held-back',
          });
        }
        if (outcome === 'dead-lettered') {
          // The key now waits behind this record: later records must not pass it either.
          await ctx.aws('DynamoDB', () =>
            doc.send(
              new PutCommand({
                TableName: ctx.table,
                Item: {
                  pk: quarantinePartitionKey(route.name),
                  sk: groupId,
                  route: route.name,
                  behind: id,
                  since: now(),
                },
              }),
            ),
          );
          stop = `${id} was dead-lettered again`;
        } else {
          stop = `${id} has no outcome after ${Math.round(waitMs / 1000)} s (is the deliverer running?); run the replay again`;
        }
        break walk;
      }
    }
    if (stop === undefined) {
      await ctx.aws('DynamoDB', () =>
        doc.send(
          new DeleteCommand({
            TableName: ctx.table,
            Key: { pk: quarantinePartitionKey(route.name), sk: groupId },
          }),
        ),
      );
      lifted.push(keyName);
    } else {
      stillQuarantined.push({ key: keyName, reason: stop });
    }
  }

  const removedFromDlq = await removeFromDlq(
    ctx,
    await ctx.deadLetterQueueUrl(route),
    replayedIds,
    startedAt,
  );
  return { route: route.name, records, lifted, stillQuarantined, removedFromDlq };
}

/**
 * `--dry-run`: what a replay would send, in its order: the selected records, and for a
 * quarantined key every record of it still pending (the replay walks the whole key).
 */
async function dryRun(
  ctx: CliContext,
  route: Route,
  selected: readonly ArchivedEntry[],
  quarantined: ReadonlySet<string>,
): Promise<ReplayReport> {
  const walked = selected.some((entry) => entry.groupId !== undefined && quarantined.has(entry.groupId))
    ? (await listArchived(ctx, route)).filter(
        (entry) =>
          entry.envelope !== undefined &&
          isPending(entry) &&
          entry.groupId !== undefined &&
          quarantined.has(entry.groupId) &&
          selected.some((chosen) => chosen.groupId === entry.groupId),
      )
    : [];
  assertTrusted(ctx, route, walked);
  const byKey = new Map([...selected, ...walked].map((entry) => [entry.archiveKey, entry]));
  const records: ReplayedRecord[] = [...byKey.values()]
    .sort((a, b) => a.archiveKey.localeCompare(b.archiveKey))
    .map((entry) => ({
      recordId: entry.record.recordId ?? entry.archiveKey,
      key: entry.key,
      outcome: entry.envelope === undefined ? 'malformed' : 'would-send',
    }));
  return { route: route.name, records, lifted: [], stillQuarantined: [], removedFromDlq: 0 };
}

/**
 * Puts a claim check (a value, or a whole record) back in S3 from the archive when its object is gone: claim checks
 * expire by lifecycle rules, dead letters may be replayed later, and the archive keeps the value.
 * The bytes are checked against the envelope's SHA-256 first, as the deliverer will.
 */
async function restoreClaimCheck(ctx: CliContext, entry: ArchivedEntry, envelope: Envelope): Promise<void> {
  const value = envelope.value;
  if (value === null || 'inline' in value) return;
  // A record claim check's object holds key, headers and value: the archive keeps a copy of it.
  const pointer = 's3' in value ? value.s3 : value.record;
  const archived = 's3' in value ? entry.record.payloadBase64 : entry.record.recordBase64;
  if (archived === undefined || archived === null) return;
  const { bucket, key } = pointer;
  try {
    await ctx.aws('S3', () => ctx.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    return;
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name !== 'NotFound' && name !== 'NoSuchKey') throw error;
  }
  const bytes = Buffer.from(archived, 'base64');
  if (claimCheckProblem(bytes, pointer) !== undefined) return;
  await ctx.aws('S3', () => ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes })));
}

/** Offset order per partition (the archive's keys sort that way; sorting again keeps it explicit). */
function inReplayOrder(entries: readonly ArchivedEntry[]): ArchivedEntry[] {
  return [...entries].sort((a, b) => {
    const x = a.envelope as Envelope;
    const y = b.envelope as Envelope;
    if (x.topic !== y.topic) return x.topic < y.topic ? -1 : 1;
    if (x.partition !== y.partition) return x.partition - y.partition;
    const d = BigInt(x.offset) - BigInt(y.offset);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
}

/** `<dedup id>#replay-<ms>`, hashed when that would exceed SQS's 128 characters. */
export function replayDeduplicationId(envelope: Envelope, at: number): string {
  const suffix = `#replay-${at}`;
  const base = deduplicationId(envelope);
  const id = `${base}${suffix}`;
  if (id.length <= SQS_ID_MAX_LENGTH && isValidSqsId(id)) return id;
  return `${sha256Base64url(base)}${suffix}`;
}

/**
 * Deletes the DLQ messages of the replayed records. SQS has no delete by id: the DLQ is read
 * with a visibility timeout, the replayed ones are deleted and the others made visible again at
 * once. In a FIFO queue a group's later messages are handed out only after its earlier ones, so
 * a message that stays is released only at the end (its group is read no further this time;
 * its own dead letters that were replayed are then left in the DLQ, and their archive objects
 * say they were replayed). Only messages sent before the replay started are deleted: a replayed
 * record that failed again is a new dead letter (same record id) and must stay.
 */
export async function removeFromDlq(
  ctx: CliContext,
  dlqUrl: string,
  recordIds: ReadonlySet<string>,
  sentBefore: number,
): Promise<number> {
  if (recordIds.size === 0) return 0;
  const held: Message[] = [];
  let removed = 0;
  let empty = 0;
  try {
    while (removed < recordIds.size && empty < 2) {
      const out = await ctx.aws('SQS', () =>
        ctx.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 60,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        ),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      const replayed = messages.filter(
        (m) =>
          recordIds.has(m.MessageAttributes?.['bridge-record-id']?.StringValue ?? '') &&
          Number(m.Attributes?.SentTimestamp ?? sentBefore) < sentBefore,
      );
      held.push(...messages.filter((m) => !replayed.includes(m)));
      if (replayed.length > 0) {
        const deleted = await ctx.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: replayed.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
        removed += deleted.Successful?.length ?? 0;
      }
    }
  } finally {
    for (let i = 0; i < held.length; i += 10) {
      await ctx.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: dlqUrl,
          Entries: held.slice(i, i + 10).map((m, j) => ({
            Id: String(j),
            ReceiptHandle: m.ReceiptHandle ?? '',
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
  return removed;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
