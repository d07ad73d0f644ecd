import type { S3Client } from '@aws-sdk/client-s3';
import { Archive, type ArchivedAttempt } from '../archive/archive.ts';
import type { QuarantineEntry } from '../quarantine/quarantine.ts';
import { type FailedAttempt, visibilityTimeoutSeconds } from '../retry/index.ts';
import type { AttemptHistory, AttemptLog } from './attempt-log.ts';
import type { CallResult } from './call.ts';
import { archiveBase, completionOf, type DeadLetters } from './dead-letter.ts';
import { DeliveryError } from './errors.ts';
import { givesUp, RECEIVE_ENDED, rejectAction, retryLaterSeconds } from './give-up.ts';
import { type DeliverLogger, METRICS, recordLogFields } from './observability.ts';
import { type LoadedRecord, loadRecord } from './payload.ts';
import { PayloadError } from './payload-error.ts';
import type { RecordContext, StepWiring } from './record-context.ts';
import { RetryLaterError } from './retry-later-error.ts';

export interface SettlerOptions extends StepWiring {
  readonly s3: S3Client;
  readonly archive: Pick<Archive, 'put'>;
  readonly attemptLog: Pick<AttemptLog, 'add' | 'delete'>;
  readonly deadLetters: Pick<DeadLetters, 'record'>;
  readonly logger: DeliverLogger;
}

/**
 * How a record leaves the deliverer: delivered (completion), dead-lettered (the shared
 * procedure, dead-letter.ts), parked behind its quarantined key, or back to the queue with its
 * visibility set to the next backoff step (RetryLaterError, thrown).
 */
export class Settler {
  readonly #o: SettlerOptions;

  constructor(options: SettlerOptions) {
    this.#o = options;
  }

  async success(ctx: RecordContext, history: AttemptHistory, made: number): Promise<'delivered'> {
    const attempts = history.count + made;
    await ctx.ledger.put(
      completionOf(this.#o.route.name, ctx.envelope, 'delivered', attempts, this.#o.now()),
    );
    await this.#forgetAttempts(ctx, history);
    this.#o.metrics.count(METRICS.success, 1);
    this.#o.logger.info('record delivered', { ...recordLogFields(ctx.id, ctx.envelope), attempts });
    return 'delivered';
  }

  /** The calls failed: dead-letter the record when the give-up rules say so, else back to the queue. */
  async failure(
    ctx: RecordContext,
    loaded: LoadedRecord,
    history: AttemptHistory,
    result: Extract<CallResult, { kind: 'failed' }>,
  ): Promise<'dead-lettered'> {
    const { route } = this.#o;
    const { error, last } = result;
    const attemptCount = history.count + error.attempts.length;
    const fresh = error.attempts.map((attempt) => archivedAttempt(attempt, ctx.receiveCount));
    const giveUp = givesUp({
      block: route.onPoison === 'block',
      stoppedBy: error.stoppedBy,
      attemptCount,
      maxAttempts: route.retry.attempts,
    });
    this.#o.logger.warn('delivery failed', {
      ...recordLogFields(ctx.id, ctx.envelope),
      status: last.status,
      error: last.message,
      attempts: attemptCount,
      maxAttempts: route.retry.attempts,
      // Why this receive made no further call, and what becomes of the record: one reading
      // (an in-process "exhausted" next to "retry later" read as a contradiction).
      receiveEnded: RECEIVE_ENDED[error.stoppedBy],
      next: giveUp ? 'dead-letter' : 'retry later',
    });
    if (!giveUp) {
      const { topic, partition, from } = ctx.envelope;
      await this.#o.attemptLog.add(route.name, topic, partition, BigInt(from), history, fresh, this.#o.now());
      throw await this.retryLater(ctx, last, error.nextWaitMs);
    }
    await this.deadLetter(ctx, last.message, {
      loaded,
      attempts: [...history.attempts, ...fresh],
      attemptCount,
    });
    await this.#forgetAttempts(ctx, history);
    return 'dead-lettered';
  }

  /** A record that can never be delivered as it is (claim check gone, schema broken): no retries. */
  async reject(
    ctx: RecordContext,
    reason: string,
    cause: Error,
    loaded?: LoadedRecord,
  ): Promise<'dead-lettered'> {
    if (rejectAction(this.#o.route) === 'retry-later') throw await this.retryLater(ctx, cause, undefined);
    await this.deadLetter(ctx, reason, { loaded, attempts: [], attemptCount: 0 });
    return 'dead-lettered';
  }

  async deadLetter(
    ctx: RecordContext,
    reason: string,
    more: { loaded: LoadedRecord | undefined; attempts: readonly ArchivedAttempt[]; attemptCount: number },
  ): Promise<void> {
    const entry = await this.#o.deadLetters.record({
      record: ctx.record,
      envelope: more.loaded?.envelope ?? ctx.envelope,
      id: ctx.id,
      groupId: ctx.groupId,
      receiveCount: ctx.receiveCount,
      reason,
      payload: more.loaded?.payload,
      recordObject: more.loaded?.recordObject,
      attempts: more.attempts,
      attemptCount: more.attemptCount,
      ledger: ctx.ledger,
    });
    if (entry !== undefined) ctx.batch.quarantined.set(ctx.groupId, entry);
  }

  /** Parks a record behind its quarantined key: archived (a replay sends it again) and completed. */
  async park(ctx: RecordContext, quarantine: QuarantineEntry): Promise<'parked'> {
    const { route, now } = this.#o;
    const { envelope } = ctx;
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
      ...archiveBase(route.name, ctx.record, ctx.receiveCount, now()),
      recordId: ctx.id,
      outcome: 'parked',
      reason: `behind ${quarantine.behind}`,
      messageGroupId: ctx.groupId,
      ...(payload === undefined ? {} : { payloadBase64: payload?.toString('base64') ?? null }),
      ...(recordObject === undefined ? {} : { recordBase64: recordObject.toString('base64') }),
      attempts: [],
      attemptCount: 0,
    });
    await ctx.ledger.put(completionOf(route.name, envelope, 'parked', 0, now()));
    this.#o.metrics.count(METRICS.parked, 1);
    this.#o.logger.info('record parked behind a quarantined key', {
      ...recordLogFields(ctx.id, envelope),
      behind: quarantine.behind,
    });
    return 'parked';
  }

  /** Sets the message's visibility to the next backoff step (or the server's longer wait); returns the error to throw. */
  async retryLater(
    ctx: RecordContext,
    cause: unknown,
    requestedWaitMs: number | undefined,
  ): Promise<RetryLaterError> {
    const backoff = visibilityTimeoutSeconds(ctx.receiveCount, this.#o.policy, this.#o.random);
    const seconds = retryLaterSeconds(backoff, requestedWaitMs);
    await this.#o.visibility.change(ctx.record, seconds);
    return new RetryLaterError(ctx.id, seconds, cause);
  }

  async #forgetAttempts(ctx: RecordContext, history: AttemptHistory): Promise<void> {
    if (history.count === 0) return;
    const { topic, partition, from } = ctx.envelope;
    await this.#o.attemptLog.delete(this.#o.route.name, topic, partition, BigInt(from));
  }
}

export function archivedAttempt(attempt: FailedAttempt, receive: number): ArchivedAttempt {
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
