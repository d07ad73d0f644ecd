// A record as a crashed deliverer leaves it: its envelope put straight on a route's queue (for
// the redrive queue, what SQS does by itself after maxReceiveCount), without poller or Kafka.
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deduplicationId, type Envelope, encodeEnvelope } from '../../lib/envelope/index.ts';

export interface QueuedRecord {
  readonly route: string;
  readonly topic: string;
  readonly offset: string;
  readonly key: string;
  readonly value: string;
  /** 0 unless given. */
  readonly partition?: number;
}

/** The envelope of one inline record (`from` = its own offset); a null key is a record without one. */
export function queuedEnvelope(
  record: Omit<QueuedRecord, 'key'> & { readonly key: string | null },
): Envelope {
  return {
    route: record.route,
    topic: record.topic,
    partition: record.partition ?? 0,
    offset: record.offset,
    from: record.offset,
    timestamp: String(Date.now()),
    key: record.key === null ? null : Buffer.from(record.key),
    headers: [],
    value: { inline: Buffer.from(record.value) },
  };
}

/** Sends `record` to `queueUrl` in its key's message group; returns its envelope. */
export async function sendQueuedRecord(
  sqs: SQSClient,
  queueUrl: string,
  record: QueuedRecord,
  options: {
    readonly attributes?: Record<string, MessageAttributeValue>;
    readonly dedupSuffix?: string;
  } = {},
): Promise<Envelope> {
  const envelope = queuedEnvelope(record);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: encodeEnvelope(envelope),
      MessageGroupId: record.key,
      MessageDeduplicationId: `${deduplicationId(envelope)}${options.dedupSuffix ?? ''}`,
      ...(options.attributes === undefined ? {} : { MessageAttributes: options.attributes }),
    }),
  );
  return envelope;
}
