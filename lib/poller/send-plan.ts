import { SQS_MAX_MESSAGE_BYTES } from '../envelope/index.ts';

/** One record ready to go to SQS. */
export interface OutgoingMessage {
  /** Unique within a send call (SendMessageBatch entry id). */
  readonly id: string;
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly body: string;
  /**
   * `body` as a JSON string literal (JSON.stringify(body)), escaped once when the envelope is
   * made, so a request that carries it inside JSON (the lean SendMessageBatch) and each of its
   * retries need not escape it again; escaped at send time when absent.
   */
  readonly bodyJson?: string;
  /** UTF-8 bytes of the body: what counts against SQS's size limits. */
  readonly bytes: number;
  readonly offset: bigint;
  /** The partition position before this record (I4). */
  readonly from: bigint;
  /** The record id (route/topic/partition/offset), for errors that must name the record. */
  readonly record?: string;
}

/** SendMessageBatch takes at most 10 entries... */
export const MAX_BATCH_ENTRIES = 10;
/** ...whose messages together are at most the single-message limit (1 MiB). */
export const MAX_BATCH_BYTES = SQS_MAX_MESSAGE_BYTES;

/** Whether `message` can join `batch` without breaking SendMessageBatch's limits. */
export function fitsBatch(
  batch: readonly OutgoingMessage[],
  batchBytes: number,
  message: OutgoingMessage,
): boolean {
  return batch.length < MAX_BATCH_ENTRIES && batchBytes + message.bytes <= MAX_BATCH_BYTES;
}

export interface ResendPlan {
  /** What to send again, in the original order: failed entries and every later entry of their groups. */
  readonly resend: OutgoingMessage[];
  /**
   * Entries SQS accepted after an earlier entry of their group failed: they sit ahead of it in
   * the queue now, which no resend can undo (a resend is dropped by deduplication). SQS does
   * not document such per-entry failures for transient causes; they are reported loudly.
   */
  readonly overtook: OutgoingMessage[];
}

/**
 * What to resend after a partly failed SendMessageBatch. Later entries of a failed entry's
 * group go again too, so the group's records reach the queue in order even if SQS did not
 * accept them this time; when SQS did accept them, the resend is a harmless duplicate that
 * deduplication drops.
 */
export function planResend(sent: readonly OutgoingMessage[], failedIds: ReadonlySet<string>): ResendPlan {
  const failedGroups = new Set<string>();
  const resend: OutgoingMessage[] = [];
  const overtook: OutgoingMessage[] = [];
  for (const message of sent) {
    const failed = failedIds.has(message.id);
    if (failed || failedGroups.has(message.groupId)) {
      resend.push(message);
      if (!failed) overtook.push(message);
    }
    if (failed) failedGroups.add(message.groupId);
  }
  return { resend, overtook };
}
