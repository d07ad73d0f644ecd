import type { S3Client } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { Archive, type ArchivedAttempt, type ArchiveRecord } from '../archive/archive.ts';
import type { CircuitBreaker } from '../breaker/breaker.ts';
import type { CompletionStatus } from '../completion/completion.ts';
import { type CompletionStore, completionKey } from '../completion/store.ts';
import type { Route } from '../config/index.ts';
import {
  decodeEnvelope,
  deduplicationId,
  type Envelope,
  EnvelopeError,
  recordId,
} from '../envelope/index.ts';
import { BridgeError } from '../errors.ts';
import { type QuarantineEntry, type QuarantineStore, quarantinesKeys } from '../quarantine/quarantine.ts';
import {
  type BackoffPolicy,
  type FailedAttempt,
  RetryError,
  retry,
  visibilityTimeoutSeconds,
} from '../retry/index.ts';
import { RecordSchema } from '../schema/record-schema.ts';
import { type AttemptHistory, type AttemptLog, NO_HISTORY } from './attempt-log.ts';
import { coordinatesOf } from './coordinates.ts';
import type { DeadLetterEvents } from './dead-letter-events.ts';
import { DeliveryError } from './errors.ts';
import {
  type DeliverLogger,
  type DeliverMetrics,
  METRICS,
  noMetrics,
  recordLogFields,
  silentLogger,
} from './observability.ts';
import { loadRecord } from './payload.ts';
import { PayloadError } from './payload-error.ts';
import { DEAD_LETTER_MARKER } from './redrive.ts';
import { RetryLaterError } from './retry-later-error.ts';
import { sqsAttributeText } from './sqs-text.ts';
import type { Target } from './target.ts';

/** How a record left this invocation without going back to the queue. */
export type RecordOutcome = 'delivered' | 'dead-lettered' | 'parked' | 'duplicate';

export interface DelivererOptions {
  readonly route: Route;
  readonly target: Target;
  readonly sqs: SQSClient;
  /** The route's queue: where visibility timeouts are changed. */
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly s3: S3Client;
  readonly archive: Archive;
  readonly completions: CompletionStore;
  readonly quarantine: QuarantineStore;
  readonly attemptLog: AttemptLog;
  /** A fresh view of the route's shared circuit breaker, one per batch; none when the route has no breaker. */
  readonly breaker?: () => CircuitBreaker;
  /** Where dead-letter events go for the notifier's summaries; none in tests that do not look. */
  readonly deadLetterEvents?: DeadLetterEvents;
  readonly metrics?: DeliverMetrics;
  readonly logger?: DeliverLogger;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** What one batch shares: the route's quarantined keys, read once at its start. */
export interface BatchState {
  readonly quarantined: Map<string, QuarantineEntry>;
  /** The visibility timeout given to each group's failed message, for its held-back followers. */
  readonly groupVisibility: Map<string, number>;
  readonly breaker: CircuitBreaker | undefined;
  /**
   * The batch's records already finished, read with one BatchGetItem when the batch began and
   * added to as records finish in it.
   */
  readonly finished: Map<string, CompletionStatus>;
}

const SQS_ATTRIBUTE_MAX = 1000;

/**
 * The message attribute the CLI puts on a replayed dead letter or parked record (lib/cli).
 * Such a message is delivered even though its key is quarantined: the operator replays a
 * quarantined key's records one at a time, in offset order, and lifts the quarantine after the
 * last; without the bypass the replayed records would only be parked again. (The completion
 * written when the record was dead-lettered or parked is deleted by the replay before it sends,
 * so the duplicate check needs no bypass.)
 */
export const REPLAY_MARKER = 'bridge-replay';

/**
 * Delivers one route's SQS messages (docs/architecture.md, Delivery), one record at a time:
 * 1. decode the envelope (malformed: dead-lettered with the decoder's reason);
 * 2. skip a record whose completion exists (a redelivery after a crash, I5; read for the whole
 *    batch at its start, one BatchGetItem);
 * 3. park it when its key is quarantined (onPoison 'quarantine');
 * 4. fetch a claim-check payload and call the target, retrying in process with backoff and
 *    full jitter (or the server's Retry-After) while the invocation has time;
 * 5. on success write the completion 'delivered'; when attempts are spent or the answer is not
 *    retryable, dead-letter it (archive, DLQ, quarantine, completion 'dead-lettered'); else set
 *    its visibility timeout to the next backoff step and throw RetryLaterError, so the batch
 *    reports it and the rest of its group as failures.
 *
 * Attempts across receives are counted exactly in the attempt log (attempt-log.ts), which also
 * gives the archive every attempt's answer; a receive that crashed before logging is not
 * counted (SQS's maxReceiveCount redrive bounds those).
 * With onPoison 'block' nothing is ever dead-lettered for its answers: the group waits.
 * Errors of the bridge itself (DynamoDB, S3, a secret) never dead-letter a record: the message
 * goes back with its backoff, and SQS's maxReceiveCount redrive is the last resort.
 */
export class Deliverer {
  readonly #o: DelivererOptions;
  readonly #metrics: DeliverMetrics;
  readonly #log: DeliverLogger;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #policy: BackoffPolicy;
  readonly #schema: RecordSchema | undefined;

  constructor(options: DelivererOptions) {
    this.#o = options;
    this.#metrics = options.metrics ?? noMetrics;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    const { baseMs, maxMs, jitter } = options.route.retry;
    this.#policy = { baseMs, maxMs, jitter };
    this.#schema = options.route.schema === undefined ? undefined : new RecordSchema(options.route.schema);
  }

  get route(): Route {
    return this.#o.route;
  }

  get metrics(): DeliverMetrics {
    return this.#metrics;
  }

  /** Quarantine applies to routes that keep an order; with ordering 'none' a group is not a key. */
  get #quarantines(): boolean {
    return quarantinesKeys(this.#o.route);
  }

  /**
   * Reads what the batch needs once: the route's quarantined keys (one Query, none when not
   * quarantining) and which of `records` already finished (one BatchGetItem instead of a GetItem
   * per record: the duplicate check of I5, with the same read units).
   */
  async beginBatch(records: readonly SQSRecord[]): Promise<BatchState> {
    const breaker = this.#o.breaker?.();
    const [quarantined, , finished] = await Promise.all([
      this.#quarantines ? this.#o.quarantine.load(this.#o.route.name) : new Map<string, QuarantineEntry>(),
      breaker?.load(),
      this.#finished(records),
    ]);
    return { quarantined, groupVisibility: new Map(), breaker, finished };
  }

  async #finished(records: readonly SQSRecord[]): Promise<Map<string, CompletionStatus>> {
    const coordinates: { topic: string; partition: number; from: bigint }[] = [];
    for (const record of records) {
      // A malformed message is dead-lettered by process(), which reads no completion for it.
      const where = coordinatesOf(record.body, this.#o.route.name);
      if (where !== undefined) coordinates.push({ ...where, from: BigInt(where.from) });
    }
    const found = await this.#o.completions.getMany(this.#o.route.name, coordinates);
    return new Map([...found].map(([key, completion]) => [key, completion.status]));
  }

  /** Writes what the batch learnt about the endpoint to the shared breaker. */
  async endBatch(batch: BatchState): Promise<void> {
    await batch.breaker?.flush();
  }

  /**
   * Processes one message. Resolves when the message is finished (it may be deleted); throws
   * (RetryLaterError or the bridge's own error) when it goes back to the queue, after its
   * visibility timeout was set to the next backoff step.
   * `deadline`: ms since the epoch by which the last attempt must have started.
   */
  async process(record: SQSRecord, batch: BatchState, deadline: number): Promise<RecordOutcome> {
    const receiveCount = Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
    const groupId = record.attributes.MessageGroupId ?? '';
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(record.body);
      if (envelope.route !== this.#o.route.name) {
        throw new EnvelopeError(
          `envelope is for route ${JSON.stringify(envelope.route)}, but this queue belongs to route ${JSON.stringify(this.#o.route.name)}`,
        );
      }
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      await this.#deadLetterMalformed(record, error.message, receiveCount);
      return 'dead-lettered';
    }
    const id = recordId(envelope);
    try {
      const outcome = await this.#processEnvelope(
        record,
        envelope,
        id,
        groupId,
        receiveCount,
        batch,
        deadline,
      );
      // A second message of the same record later in this batch (a re-forward after the
      // deduplication window) must see this one's completion, as a fresh read would.
      if (outcome !== 'duplicate') {
        batch.finished.set(completionKey(envelope.topic, envelope.partition, BigInt(envelope.from)), outcome);
      }
      return outcome;
    } catch (error) {
      if (error instanceof RetryLaterError) {
        batch.groupVisibility.set(groupId, error.visibilitySeconds);
        throw error;
      }
      // The bridge's own failure: wait like a retryable answer would, without counting it against the record.
      const seconds = visibilityTimeoutSeconds(receiveCount, this.#policy, this.#random);
      this.#log.error('record goes back to the queue after a bridge error', {
        ...recordLogFields(id, envelope),
        error: error instanceof Error ? error.message : String(error),
        visibilitySeconds: seconds,
      });
      await this.#changeVisibility(record, seconds);
      batch.groupVisibility.set(groupId, seconds);
      throw error;
    }
  }

  async #processEnvelope(
    record: SQSRecord,
    envelope: Envelope,
    id: string,
    groupId: string,
    receiveCount: number,
    batch: BatchState,
    deadline: number,
  ): Promise<RecordOutcome> {
    const route = this.#o.route;
    const existing = batch.finished.get(
      completionKey(envelope.topic, envelope.partition, BigInt(envelope.from)),
    );
    if (existing !== undefined) {
      this.#metrics.count(METRICS.duplicate, 1);
      this.#log.info('record already completed; skipped', {
        ...recordLogFields(id, envelope),
        status: existing,
      });
      return 'duplicate';
    }
    const replayed = record.messageAttributes?.[REPLAY_MARKER] !== undefined;
    const quarantine = this.#quarantines && !replayed ? batch.quarantined.get(groupId) : undefined;
    if (quarantine !== undefined) {
      await this.#park(record, envelope, id, groupId, receiveCount, quarantine);
      return 'parked';
    }

    let payload: Buffer | null;
    let recordObject: Buffer | undefined;
    try {
      // From here on the envelope has the record's real key and headers (record claim checks).
      ({ envelope, payload, recordObject } = await loadRecord(this.#o.s3, envelope));
    } catch (error) {
      if (!(error instanceof PayloadError) || error.retryable) throw error;
      if (route.onPoison === 'block')
        throw await this.#retryLater(record, id, receiveCount, error, undefined);
      await this.#deadLetter({
        record,
        envelope,
        id,
        groupId,
        receiveCount,
        reason: error.message,
        payload: undefined,
        attempts: [],
        attemptCount: 0,
        batch,
      });
      return 'dead-lettered';
    }

    const schemaProblem = this.#schema?.problem(payload);
    if (schemaProblem !== undefined) {
      // A record that breaks the route's schema fails the same way every time: no retries.
      if (route.onPoison === 'block') {
        throw await this.#retryLater(record, id, receiveCount, new BridgeError(schemaProblem), undefined);
      }
      await this.#deadLetter({
        record,
        envelope,
        id,
        groupId,
        receiveCount,
        reason: schemaProblem,
        payload,
        recordObject,
        attempts: [],
        attemptCount: 0,
        batch,
      });
      return 'dead-lettered';
    }

    const log = this.#o.attemptLog;
    const history: AttemptHistory =
      receiveCount > 1
        ? await log.get(route.name, envelope.topic, envelope.partition, BigInt(envelope.from))
        : NO_HISTORY;
    const inProcess = route.retry.inProcessAttempts;
    const prior = history.count;
    const block = route.onPoison === 'block';
    if (this.#now() > deadline) {
      // No time left for even one call in this invocation: hand the message back at once, uncounted.
      await this.#changeVisibility(record, 0);
      throw new RetryLaterError(
        id,
        0,
        new BridgeError('the invocation has no time left for a call', { retryable: true }),
      );
    }
    const breaker = batch.breaker;
    let probe = false;
    if (breaker !== undefined) {
      // This batch's own failures may already say the endpoint is down: share that before calling on.
      if (breaker.trippedLocally) await breaker.flush();
      const admission = await breaker.admit();
      if (admission.kind === 'hold') {
        this.#metrics.count(METRICS.held, 1);
        await this.#changeVisibility(record, admission.seconds);
        throw new RetryLaterError(
          id,
          admission.seconds,
          new BridgeError(`the circuit breaker of route ${route.name} is open`, { retryable: true }),
        );
      }
      probe = admission.kind === 'probe';
    }
    const allowed = probe
      ? 1
      : block
        ? inProcess
        : Math.max(1, Math.min(inProcess, route.retry.attempts - prior));
    let made = 0;
    let succeeded = false;
    try {
      await retry(
        async ({ signal }) => {
          made++;
          const started = this.#now();
          try {
            const response = await this.#o.target.deliver({
              envelope,
              payload,
              recordId: id,
              ...(signal === undefined ? {} : { signal }),
            });
            this.#metrics.duration(METRICS.latency, this.#now() - started);
            breaker?.record(false);
            succeeded = true;
            return response;
          } catch (error) {
            this.#metrics.count(METRICS.failure, 1);
            breaker?.record(error instanceof DeliveryError && error.retryable);
            throw error;
          }
        },
        {
          attempts: allowed,
          policy: this.#policy,
          deadline,
          now: this.#now,
          random: this.#random,
          shouldRetry: (error) => {
            if (!(error instanceof DeliveryError) || !error.retryable) return false;
            return error.retryAfterMs === undefined ? true : { afterMs: error.retryAfterMs };
          },
        },
      );
    } catch (error) {
      if (!(error instanceof RetryError)) throw error;
      const last = error.lastError;
      // Only an answer that says the endpoint is unwell keeps the breaker open; a 400 proves it is up.
      if (probe) await breaker?.probeResult(!(last instanceof DeliveryError && last.retryable));
      // Not an answer of the endpoint (a secret that cannot be read): the bridge's problem.
      if (!(last instanceof DeliveryError)) throw last;
      const attemptCount = prior + error.attempts.length;
      const attempts = [
        ...history.attempts,
        ...error.attempts.map((attempt) => archivedAttempt(attempt, receiveCount)),
      ];
      const giveUp = !block && (error.stoppedBy === 'not-retryable' || attemptCount >= route.retry.attempts);
      this.#log.warn('delivery failed', {
        ...recordLogFields(id, envelope),
        status: last.status,
        error: last.message,
        attempts: attemptCount,
        stoppedBy: error.stoppedBy,
        giveUp,
      });
      if (!giveUp) {
        await log.add(
          route.name,
          envelope.topic,
          envelope.partition,
          BigInt(envelope.from),
          history,
          error.attempts.map((attempt) => archivedAttempt(attempt, receiveCount)),
          this.#now(),
        );
        throw await this.#retryLater(record, id, receiveCount, last, error.nextWaitMs);
      }
      await this.#deadLetter({
        record,
        envelope,
        id,
        groupId,
        receiveCount,
        reason: last.message,
        payload,
        recordObject,
        attempts,
        attemptCount,
        batch,
      });
      if (history.count > 0)
        await log.delete(route.name, envelope.topic, envelope.partition, BigInt(envelope.from));
      return 'dead-lettered';
    }

    if (probe) await breaker?.probeResult(succeeded);
    await this.#complete(envelope, 'delivered', prior + made);
    if (history.count > 0)
      await log.delete(route.name, envelope.topic, envelope.partition, BigInt(envelope.from));
    this.#metrics.count(METRICS.success, 1);
    this.#log.info('record delivered', { ...recordLogFields(id, envelope), attempts: prior + made });
    return 'delivered';
  }

  /** Sets the message's visibility to the next backoff step (or the server's longer wait); returns the error to throw. */
  async #retryLater(
    record: SQSRecord,
    id: string,
    receiveCount: number,
    cause: unknown,
    requestedWaitMs: number | undefined,
  ): Promise<RetryLaterError> {
    const backoff = visibilityTimeoutSeconds(receiveCount, this.#policy, this.#random);
    const requested = requestedWaitMs === undefined ? 0 : Math.ceil(requestedWaitMs / 1000);
    const seconds = Math.min(43_200, Math.max(backoff, requested));
    await this.#changeVisibility(record, seconds);
    return new RetryLaterError(id, seconds, cause);
  }

  async #changeVisibility(record: SQSRecord, seconds: number): Promise<void> {
    try {
      await this.#o.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#o.queueUrl,
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

  async #deadLetter(input: {
    record: SQSRecord;
    envelope: Envelope;
    id: string;
    groupId: string;
    receiveCount: number;
    reason: string;
    payload: Buffer | null | undefined;
    /** A record claim check's object: the archive keeps key and headers too. */
    recordObject?: Buffer | undefined;
    attempts: ArchivedAttempt[];
    attemptCount: number;
    batch: BatchState;
  }): Promise<void> {
    const { record, envelope, id, groupId } = input;
    const route = this.#o.route;
    const key = Archive.keyOf(route.name, envelope.topic, envelope.partition, envelope.offset);
    await this.#o.archive.put(key, {
      ...this.#archiveBase(record, input.receiveCount),
      recordId: id,
      outcome: 'dead-lettered',
      reason: input.reason,
      messageGroupId: groupId,
      ...(input.payload === undefined ? {} : { payloadBase64: input.payload?.toString('base64') ?? null }),
      ...(input.recordObject === undefined ? {} : { recordBase64: input.recordObject.toString('base64') }),
      attempts: input.attempts,
      attemptCount: input.attemptCount,
    });
    await this.#sendToDeadLetterQueue(
      record,
      record.attributes.MessageDeduplicationId ?? deduplicationId(envelope),
      {
        reason: input.reason,
        recordId: id,
        archiveKey: key,
      },
    );
    if (this.#quarantines) {
      const entry = await this.#o.quarantine.mark(route.name, groupId, id, this.#now());
      input.batch.quarantined.set(groupId, entry);
    }
    // Before the completion: if this fails the message comes back and every step repeats
    // harmlessly (same archive key, same DLQ deduplication id), so no dead letter goes unseen.
    await this.#o.deadLetterEvents?.publish({
      route: route.name,
      recordId: id,
      reason: input.reason,
      at: this.#now(),
    });
    await this.#complete(envelope, 'dead-lettered', input.attemptCount);
    this.#metrics.count(METRICS.deadLettered, 1);
    this.#log.warn('record dead-lettered', {
      ...recordLogFields(id, envelope),
      reason: input.reason,
      archiveKey: key,
    });
  }

  async #park(
    record: SQSRecord,
    envelope: Envelope,
    id: string,
    groupId: string,
    receiveCount: number,
    quarantine: QuarantineEntry,
  ): Promise<void> {
    const route = this.#o.route;
    // The archive is what a replay sends again: keep the value even when its claim check will expire.
    let payload: Buffer | null | undefined;
    let recordObject: Buffer | undefined;
    try {
      ({ payload, recordObject } = await loadRecord(this.#o.s3, envelope));
    } catch (error) {
      if (!(error instanceof PayloadError) || error.retryable) throw error;
      payload = undefined;
    }
    const key = Archive.keyOf(route.name, envelope.topic, envelope.partition, envelope.offset);
    await this.#o.archive.put(key, {
      ...this.#archiveBase(record, receiveCount),
      recordId: id,
      outcome: 'parked',
      reason: `behind ${quarantine.behind}`,
      messageGroupId: groupId,
      ...(payload === undefined ? {} : { payloadBase64: payload?.toString('base64') ?? null }),
      ...(recordObject === undefined ? {} : { recordBase64: recordObject.toString('base64') }),
      attempts: [],
      attemptCount: 0,
    });
    await this.#complete(envelope, 'parked', 0);
    this.#metrics.count(METRICS.parked, 1);
    this.#log.info('record parked behind a quarantined key', {
      ...recordLogFields(id, envelope),
      behind: quarantine.behind,
    });
  }

  /**
   * A message that is not a valid envelope can never be delivered: it is archived and sent to
   * the DLQ with the decoder's reason, and deleted, so it cannot loop. Its completion is written
   * when its coordinates can still be read (coordinates.ts). Its key is not quarantined: a
   * malformed message says nothing reliable about its key.
   */
  async #deadLetterMalformed(record: SQSRecord, reason: string, receiveCount: number): Promise<void> {
    const route = this.#o.route;
    const key = Archive.malformedKeyOf(route.name, record.messageId);
    await this.#o.archive.put(key, {
      ...this.#archiveBase(record, receiveCount),
      outcome: 'dead-lettered',
      reason,
      ...(record.attributes.MessageGroupId === undefined
        ? {}
        : { messageGroupId: record.attributes.MessageGroupId }),
      attempts: [],
      attemptCount: 0,
    });
    await this.#sendToDeadLetterQueue(record, record.attributes.MessageDeduplicationId ?? record.messageId, {
      reason,
      archiveKey: key,
    });
    const coordinates = coordinatesOf(record.body, route.name);
    if (coordinates !== undefined) {
      await this.#complete(coordinates, 'dead-lettered', 0);
    }
    this.#metrics.count(METRICS.deadLettered, 1);
    this.#log.error('malformed message dead-lettered', {
      messageId: record.messageId,
      reason,
      archiveKey: key,
    });
  }

  /** Writes the record's completion (the first write wins: a redelivery does not rewrite it). */
  async #complete(
    where: {
      readonly topic: string;
      readonly partition: number;
      readonly from: string;
      readonly offset: string;
    },
    status: CompletionStatus,
    attempts: number,
  ): Promise<void> {
    await this.#o.completions.put({
      route: this.#o.route.name,
      topic: where.topic,
      partition: where.partition,
      from: BigInt(where.from),
      offset: BigInt(where.offset),
      status,
      at: this.#now(),
      attempts,
    });
  }

  #archiveBase(
    record: SQSRecord,
    receiveCount: number,
  ): Pick<
    ArchiveRecord,
    'route' | 'sqsMessageId' | 'body' | 'receiveCount' | 'archivedAt' | 'firstReceivedAt'
  > {
    const first = Number(record.attributes.ApproximateFirstReceiveTimestamp);
    return {
      route: this.#o.route.name,
      sqsMessageId: record.messageId,
      body: record.body,
      receiveCount,
      ...(Number.isFinite(first) && first > 0 ? { firstReceivedAt: new Date(first).toISOString() } : {}),
      archivedAt: new Date(this.#now()).toISOString(),
    };
  }

  async #sendToDeadLetterQueue(
    record: SQSRecord,
    dedupId: string,
    attributes: { reason: string; recordId?: string; archiveKey: string },
  ): Promise<void> {
    const messageAttributes: Record<string, { DataType: 'String'; StringValue: string }> = {
      'bridge-reason': {
        DataType: 'String',
        StringValue: sqsAttributeText(attributes.reason, SQS_ATTRIBUTE_MAX),
      },
      [DEAD_LETTER_MARKER]: {
        DataType: 'String',
        StringValue: `s3://${this.#o.archive.bucket}/${attributes.archiveKey}`,
      },
    };
    if (attributes.recordId !== undefined) {
      messageAttributes['bridge-record-id'] = { DataType: 'String', StringValue: attributes.recordId };
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
        {
          cause: error,
          retryable: true,
        },
      );
    }
  }
}

function archivedAttempt(attempt: FailedAttempt, receive: number): ArchivedAttempt {
  const error = attempt.error;
  return {
    attempt: attempt.attempt,
    receive,
    startedAt: new Date(attempt.startedAt).toISOString(),
    endedAt: new Date(attempt.endedAt).toISOString(),
    ...(error instanceof DeliveryError && error.status !== undefined ? { status: error.status } : {}),
    error: error instanceof Error ? error.message : String(error),
    ...(error instanceof DeliveryError && error.excerpt !== undefined ? { excerpt: error.excerpt } : {}),
    ...(attempt.waitMs === undefined ? {} : { waitMs: attempt.waitMs }),
  };
}
