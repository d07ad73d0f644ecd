import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { ARCHIVE_ACCESS, Archive } from '../archive/archive.ts';
import type { ResourceAccess, RouteDataAccess } from '../aws/access.ts';
import { COMPLETION_ACCESS, type CompletionStore } from '../completion/store.ts';
import type { Route } from '../config/index.ts';
import { decodeEnvelope, EnvelopeError, recordId } from '../envelope/index.ts';
import { BridgeError } from '../errors.ts';
import { QUARANTINE_ACCESS, type QuarantineStore, quarantinesKeys } from '../quarantine/quarantine.ts';
import type { DeadLetterEvents } from './dead-letter-events.ts';
import {
  type DeliverLogger,
  type DeliverMetrics,
  METRICS,
  noMetrics,
  recordLogFields,
  silentLogger,
} from './observability.ts';

/**
 * What sending a dead letter to the route's DLQ calls: the deliverer sends its own, the DLQ
 * consumer forwards what SQS redrove.
 */
export const DEAD_LETTER_QUEUE_ACCESS: ResourceAccess = { actions: ['sqs:SendMessage'] };

/** What the DLQ consumer calls on the table and bucket: the record's completion, its key's quarantine, the archive. */
export function redriveAccess(route: Route): RouteDataAccess {
  return {
    table: [
      COMPLETION_ACCESS.read,
      COMPLETION_ACCESS.write,
      ...(quarantinesKeys(route) ? [QUARANTINE_ACCESS.mark] : []),
    ],
    bucket: [ARCHIVE_ACCESS.write],
  };
}

/** The message attribute the deliverer puts on the dead letters it sends itself. */
export const DEAD_LETTER_MARKER = 'bridge-archive';

export interface RedriveConsumerOptions {
  readonly route: Route;
  readonly archive: Archive;
  readonly completions: CompletionStore;
  readonly quarantine: QuarantineStore;
  readonly sqs: SQSClient;
  /**
   * Where to send the message after archiving it: the route's DLQ, when this consumer reads a
   * separate redrive queue; none when it reads the DLQ itself.
   */
  readonly forwardQueueUrl?: string;
  /** Where dead-letter events go for the notifier's summaries (I7). */
  readonly deadLetterEvents?: DeadLetterEvents;
  readonly metrics?: DeliverMetrics;
  readonly logger?: DeliverLogger;
  readonly now?: () => number;
}

export type RedriveOutcome = 'dead-lettered' | 'already-done' | 'malformed';

/**
 * The safety net behind SQS's own redrive (maxReceiveCount): a message lands in the DLQ
 * without the deliverer having finished it when the deliverer crashed or timed out on it too
 * often. Without a completion its partition's commit would wait forever (docs/architecture.md I1, I4), so
 * this archives it, quarantines its key (onPoison 'quarantine') and writes its completion
 * 'dead-lettered', unless a completion exists already (the deliverer finished it after all, or
 * sent it here itself: its dead letters carry the `bridge-archive` attribute and are done).
 */
export class RedriveConsumer {
  readonly #o: RedriveConsumerOptions;
  readonly #metrics: DeliverMetrics;
  readonly #log: DeliverLogger;
  readonly #now: () => number;

  constructor(options: RedriveConsumerOptions) {
    this.#o = options;
    this.#metrics = options.metrics ?? noMetrics;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  async process(record: SQSRecord): Promise<RedriveOutcome> {
    if (record.messageAttributes[DEAD_LETTER_MARKER] !== undefined) return 'already-done';
    const route = this.#o.route;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    const reason = 'redriven by SQS (maxReceiveCount): the deliverer crashed or timed out on it every time';
    const base = {
      route: route.name,
      sqsMessageId: record.messageId,
      body: record.body,
      receiveCount,
      archivedAt: new Date(this.#now()).toISOString(),
      attempts: [],
      attemptCount: 0,
      ...(record.attributes.MessageGroupId === undefined
        ? {}
        : { messageGroupId: record.attributes.MessageGroupId }),
    };
    let envelope: ReturnType<typeof decodeEnvelope>;
    try {
      envelope = decodeEnvelope(record.body);
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      const key = Archive.malformedKeyOf(route.name, record.messageId);
      await this.#o.archive.put(key, {
        ...base,
        outcome: 'dead-lettered',
        reason: `${reason}; ${error.message}`,
      });
      await this.#forward(record, key);
      return 'malformed';
    }
    const id = recordId(envelope);
    const from = BigInt(envelope.from);
    const existing = await this.#o.completions.get(route.name, envelope.topic, envelope.partition, from);
    if (existing !== undefined) {
      this.#log.info('redriven record was completed already', {
        ...recordLogFields(id, envelope),
        status: existing.status,
      });
      return 'already-done';
    }
    const key = Archive.keyOf(route.name, envelope.topic, envelope.partition, envelope.offset);
    await this.#o.archive.put(key, { ...base, recordId: id, outcome: 'dead-lettered', reason });
    await this.#forward(record, key);
    const groupId = record.attributes.MessageGroupId;
    if (quarantinesKeys(route) && groupId !== undefined) {
      await this.#o.quarantine.mark(route.name, groupId, id, this.#now());
    }
    await this.#o.deadLetterEvents?.publish({ route: route.name, recordId: id, reason, at: this.#now() });
    await this.#o.completions.put({
      route: route.name,
      topic: envelope.topic,
      partition: envelope.partition,
      from,
      offset: BigInt(envelope.offset),
      status: 'dead-lettered',
      at: this.#now(),
      attempts: 0,
    });
    this.#metrics.count(METRICS.deadLettered, 1);
    this.#log.warn('redriven record dead-lettered', { ...recordLogFields(id, envelope), archiveKey: key });
    return 'dead-lettered';
  }

  async #forward(record: SQSRecord, archiveKey: string): Promise<void> {
    if (this.#o.forwardQueueUrl === undefined) return;
    try {
      await this.#o.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#o.forwardQueueUrl,
          MessageBody: record.body,
          MessageGroupId: record.attributes.MessageGroupId ?? 'malformed',
          MessageDeduplicationId: record.attributes.MessageDeduplicationId ?? record.messageId,
          MessageAttributes: {
            [DEAD_LETTER_MARKER]: {
              DataType: 'String',
              StringValue: `s3://${this.#o.archive.bucket}/${archiveKey}`,
            },
          },
        }),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new BridgeError(`cannot forward redriven message ${record.messageId} to the DLQ: ${message}`, {
        cause: error,
        retryable: true,
      });
    }
  }
}
