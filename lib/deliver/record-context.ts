import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { CircuitBreaker } from '../breaker/breaker.ts';
import type { Route } from '../config/index.ts';
import { decodeEnvelope, type Envelope, EnvelopeError } from '../envelope/index.ts';
import type { QuarantineEntry } from '../quarantine/quarantine.ts';
import type { BackoffPolicy } from '../retry/index.ts';
import type { BatchLedger } from './batch-ledger.ts';
import type { CompletionSink } from './dead-letter.ts';
import type { DeliverLogger, DeliverMetrics } from './observability.ts';

/** How a record left this invocation without going back to the queue. */
export type RecordOutcome = 'delivered' | 'dead-lettered' | 'parked' | 'duplicate';

/**
 * The message attribute the CLI puts on a replayed dead letter or parked record (lib/cli).
 * Such a message is delivered even though its key is quarantined: the operator replays a
 * quarantined key's records one at a time, in offset order, and lifts the quarantine after the
 * last; without the bypass the replayed records would only be parked again. (The completion
 * written when the record was dead-lettered or parked is deleted by the replay before it sends,
 * so the duplicate check needs no bypass.)
 */
export const REPLAY_MARKER = 'bridge-replay';

/** What one batch shares: the route's quarantined keys, read once at its start. */
export interface BatchState {
  readonly quarantined: Map<string, QuarantineEntry>;
  /** The visibility timeout given to each group's failed message, for its held-back followers. */
  readonly groupVisibility: Map<string, number>;
  readonly breaker: CircuitBreaker | undefined;
  /**
   * The batch's records already finished (finishedKey: their status, or 'finished' when the
   * route state says so), read once when the batch began and added to as records finish in it.
   */
  readonly finished: Map<string, string>;
  /** The batch's completions, written as one ledger entry when the batch ends. */
  readonly ledger: BatchLedger;
}

/** What every record step (call, settle) is wired with: the route, its backoff and clocks. */
export interface StepWiring {
  readonly route: Route;
  readonly visibility: Visibility;
  readonly policy: BackoffPolicy;
  readonly metrics: DeliverMetrics;
  readonly now: () => number;
  readonly random: () => number;
}

/** One record on its way through the deliverer's steps. */
export interface RecordContext {
  readonly record: SQSRecord;
  /** The envelope as received (a record claim check's real key and headers come with loading). */
  readonly envelope: Envelope;
  readonly id: string;
  readonly groupId: string;
  /** SQS's ApproximateReceiveCount, at least 1. */
  readonly receiveCount: number;
  /** Sent again by an operator's replay (lib/cli): delivered even though its key is quarantined. */
  readonly replayed: boolean;
  readonly batch: BatchState;
  /** Where this record's completion goes: the batch's entry, or a per-record item for a replay. */
  readonly ledger: CompletionSink;
  /** ms since the epoch by which the last attempt must have started. */
  readonly deadline: number;
}

export function receiveCountOf(record: SQSRecord): number {
  return Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
}

export function groupIdOf(record: SQSRecord): string {
  return record.attributes.MessageGroupId ?? '';
}

export function isReplayed(record: SQSRecord): boolean {
  return record.messageAttributes?.[REPLAY_MARKER] !== undefined;
}

/** The message's envelope when it is one for `route`, or the reason it is malformed. */
export function decodeFor(record: SQSRecord, route: string): Envelope | string {
  try {
    const envelope = decodeEnvelope(record.body);
    if (envelope.route !== route) {
      return `envelope is for route ${JSON.stringify(envelope.route)}, but this queue belongs to route ${JSON.stringify(route)}`;
    }
    return envelope;
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    return error.message;
  }
}

/** Changes a received message's visibility timeout; a failure only means the queue's default applies. */
export class Visibility {
  readonly #sqs: { send(command: ChangeMessageVisibilityCommand): Promise<unknown> };
  readonly #queueUrl: string;
  readonly #log: DeliverLogger;

  constructor(
    sqs: { send(command: ChangeMessageVisibilityCommand): Promise<unknown> },
    queueUrl: string,
    log: DeliverLogger,
  ) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#log = log;
  }

  async change(record: SQSRecord, seconds: number): Promise<void> {
    try {
      await this.#sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      // The message still comes back, after the queue's own visibility timeout: later, not lost.
      this.#log.warn('cannot change visibility timeout; the queue default applies', {
        messageId: record.messageId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
