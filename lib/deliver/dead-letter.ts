import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { Archive, type ArchivedAttempt, type ArchiveRecord } from '../archive/archive.ts';
import type { Completion, CompletionStatus } from '../completion/completion.ts';
import type { Route } from '../config/index.ts';
import { deduplicationId, type Envelope } from '../envelope/index.ts';
import { BridgeError } from '../errors.ts';
import { type QuarantineEntry, quarantinesKeys } from '../quarantine/quarantine.ts';
import type { Coordinates } from './coordinates.ts';
import type { DeadLetterEventInput } from './dead-letter-events.ts';
import { type DeliverLogger, type DeliverMetrics, METRICS, recordLogFields } from './observability.ts';
import { sqsAttributeText } from './sqs-text.ts';

/** The message attribute on every dead letter the bridge sends: where its archive object is. */
export const DEAD_LETTER_MARKER = 'bridge-archive';
/** The other attributes of a dead letter: why, which record, and the endpoint attempts made. */
export const DEAD_LETTER_ATTRIBUTES = {
  reason: 'bridge-reason',
  recordId: 'bridge-record-id',
  attempts: 'bridge-attempts',
} as const;

const SQS_ATTRIBUTE_MAX = 1000;

/** The narrow doors the procedure goes through, so each can be a plain fake in a unit test. */
export interface DeadLetterPorts {
  readonly sqs: { send(command: SendMessageCommand): Promise<unknown> };
  readonly archive: Pick<Archive, 'bucket' | 'put'>;
  readonly quarantine: {
    mark(route: string, groupId: string, behind: string, now: number): Promise<QuarantineEntry>;
  };
  readonly events?: { publish(event: DeadLetterEventInput): Promise<void> };
}

/** Where a finished record's completion goes: the ledger (one write per record, or the batch's entry). */
export interface CompletionSink {
  put(completion: Completion): Promise<unknown>;
}

export interface DeadLettersOptions extends DeadLetterPorts {
  readonly route: Route;
  /** The route's DLQ; none when the message being dead-lettered already sits in it. */
  readonly deadLetterQueueUrl?: string;
  readonly metrics: DeliverMetrics;
  readonly logger: DeliverLogger;
  readonly now: () => number;
}

export interface DeadLetterInput {
  readonly record: SQSRecord;
  readonly envelope: Envelope;
  readonly id: string;
  readonly groupId: string;
  readonly receiveCount: number;
  readonly reason: string;
  /** The value, when it could be read (undefined: not read; null: a null value). */
  readonly payload?: Buffer | null | undefined;
  /** A record claim check's object: the archive keeps key and headers too. */
  readonly recordObject?: Buffer | undefined;
  readonly attempts: readonly ArchivedAttempt[];
  readonly attemptCount: number;
  readonly ledger: CompletionSink;
}

/**
 * The one dead-letter procedure (docs/architecture.md I1, I7), shared by the deliverer (a record
 * that failed for good) and the redrive consumer (a record SQS redrove after crashes):
 * archive object, DLQ message, quarantine mark (onPoison 'quarantine'), dead-letter event, and
 * last the completion. Every step before the completion repeats harmlessly when a crash makes
 * the message come back (same archive key, same DLQ deduplication id, the same quarantine item),
 * so a dead letter is never completed unseen.
 */
export class DeadLetters {
  readonly #o: DeadLettersOptions;

  constructor(options: DeadLettersOptions) {
    this.#o = options;
  }

  /** Dead-letters a decoded record; returns the key's quarantine entry when it quarantined it. */
  async record(input: DeadLetterInput): Promise<QuarantineEntry | undefined> {
    const { record, envelope, id, groupId } = input;
    const { route, now } = this.#o;
    const key = Archive.keyOf(route.name, envelope.topic, envelope.partition, envelope.offset);
    await this.#o.archive.put(key, {
      ...archiveBase(route.name, record, input.receiveCount, now()),
      recordId: id,
      outcome: 'dead-lettered',
      reason: input.reason,
      messageGroupId: groupId,
      ...(input.payload === undefined ? {} : { payloadBase64: input.payload?.toString('base64') ?? null }),
      ...(input.recordObject === undefined ? {} : { recordBase64: input.recordObject.toString('base64') }),
      attempts: input.attempts,
      attemptCount: input.attemptCount,
    });
    const dedupId = record.attributes.MessageDeduplicationId ?? deduplicationId(envelope);
    await this.#send(record, dedupId, {
      reason: input.reason,
      recordId: id,
      archiveKey: key,
      attempts: input.attemptCount,
    });
    const entry =
      quarantinesKeys(route) && groupId !== ''
        ? await this.#o.quarantine.mark(route.name, groupId, id, now())
        : undefined;
    await this.#o.events?.publish({ route: route.name, recordId: id, reason: input.reason, at: now() });
    await input.ledger.put(completionOf(route.name, envelope, 'dead-lettered', input.attemptCount, now()));
    this.#o.metrics.count(METRICS.deadLettered, 1);
    this.#o.logger.warn('record dead-lettered', {
      ...recordLogFields(id, envelope),
      reason: input.reason,
      archiveKey: key,
    });
    return entry;
  }

  /**
   * A message that is not a valid envelope can never be delivered: archived and sent to the DLQ
   * with the decoder's reason, so it cannot loop. Its completion is written when its coordinates
   * can still be read (coordinates.ts). Its key is not quarantined: a malformed message says
   * nothing reliable about its key.
   */
  async malformed(input: {
    readonly record: SQSRecord;
    readonly reason: string;
    readonly receiveCount: number;
    readonly coordinates: Coordinates | undefined;
    readonly ledger: CompletionSink;
  }): Promise<void> {
    const { record, reason } = input;
    const { route, now } = this.#o;
    const key = Archive.malformedKeyOf(route.name, record.messageId);
    const groupId = record.attributes.MessageGroupId;
    await this.#o.archive.put(key, {
      ...archiveBase(route.name, record, input.receiveCount, now()),
      outcome: 'dead-lettered',
      reason,
      ...(groupId === undefined ? {} : { messageGroupId: groupId }),
      attempts: [],
      attemptCount: 0,
    });
    const dedupId = record.attributes.MessageDeduplicationId ?? record.messageId;
    await this.#send(record, dedupId, { reason, archiveKey: key, attempts: 0 });
    if (input.coordinates !== undefined) {
      await input.ledger.put(completionOf(route.name, input.coordinates, 'dead-lettered', 0, now()));
    }
    this.#o.metrics.count(METRICS.deadLettered, 1);
    this.#o.logger.error('malformed message dead-lettered', {
      messageId: record.messageId,
      reason,
      archiveKey: key,
    });
  }

  async #send(
    record: SQSRecord,
    dedupId: string,
    attributes: { reason: string; recordId?: string; archiveKey: string; attempts: number },
  ): Promise<void> {
    if (this.#o.deadLetterQueueUrl === undefined) return;
    const messageAttributes: Record<string, { DataType: 'String' | 'Number'; StringValue: string }> = {
      [DEAD_LETTER_ATTRIBUTES.reason]: {
        DataType: 'String',
        StringValue: sqsAttributeText(attributes.reason, SQS_ATTRIBUTE_MAX),
      },
      [DEAD_LETTER_MARKER]: {
        DataType: 'String',
        StringValue: `s3://${this.#o.archive.bucket}/${attributes.archiveKey}`,
      },
      [DEAD_LETTER_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: String(attributes.attempts) },
    };
    if (attributes.recordId !== undefined) {
      messageAttributes[DEAD_LETTER_ATTRIBUTES.recordId] = {
        DataType: 'String',
        StringValue: attributes.recordId,
      };
    }
    try {
      await this.#o.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#o.deadLetterQueueUrl,
          MessageBody: record.body,
          // Same group and dedup id: the DLQ keeps the key's order, and a repeat after a crash is deduplicated.
          MessageGroupId: record.attributes.MessageGroupId ?? 'malformed',
          MessageDeduplicationId: dedupId,
          MessageAttributes: messageAttributes,
        }),
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BridgeError(
        `cannot send ${attributes.recordId ?? record.messageId} to the dead-letter queue: ${reason}`,
        { cause: error, retryable: true },
      );
    }
  }
}

/** What every archive object of a received message carries. */
export function archiveBase(
  route: string,
  record: SQSRecord,
  receiveCount: number,
  now: number,
): Pick<
  ArchiveRecord,
  'route' | 'sqsMessageId' | 'body' | 'receiveCount' | 'archivedAt' | 'firstReceivedAt'
> {
  const first = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  return {
    route,
    sqsMessageId: record.messageId,
    body: record.body,
    receiveCount,
    ...(Number.isFinite(first) && first > 0 ? { firstReceivedAt: new Date(first).toISOString() } : {}),
    archivedAt: new Date(now).toISOString(),
  };
}

/** The completion of a record at `where`, finished now. */
export function completionOf(
  route: string,
  where: {
    readonly topic: string;
    readonly partition: number;
    readonly from: string;
    readonly offset: string;
  },
  status: CompletionStatus,
  attempts: number,
  at: number,
): Completion {
  return {
    route,
    topic: where.topic,
    partition: where.partition,
    from: BigInt(where.from),
    offset: BigInt(where.offset),
    status,
    at,
    attempts,
  };
}
