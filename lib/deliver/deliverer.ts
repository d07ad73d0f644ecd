import type { SQSRecord } from 'aws-lambda';
import { completionKey } from '../completion/store.ts';
import type { Route } from '../config/index.ts';
import { type Envelope, recordId } from '../envelope/index.ts';
import { type QuarantineEntry, quarantinesKeys } from '../quarantine/quarantine.ts';
import { visibilityTimeoutSeconds } from '../retry/index.ts';
import { type AttemptHistory, NO_HISTORY } from './attempt-log.ts';
import { BatchLedger, type FinishedCheck, finishedOf } from './batch-ledger.ts';
import { coordinatesOf } from './coordinates.ts';
import { completionOf } from './dead-letter.ts';
import { type DeliverMetrics, METRICS, recordLogFields } from './observability.ts';
import { type DelivererOptions, type DeliveryParts, deliveryParts } from './parts.ts';
import { loadAndCheck } from './payload.ts';
import {
  type BatchState,
  decodeFor,
  groupIdOf,
  isReplayed,
  type RecordContext,
  type RecordOutcome,
  receiveCountOf,
} from './record-context.ts';
import { RetryLaterError } from './retry-later-error.ts';

export type { DelivererOptions } from './parts.ts';
export { type BatchState, REPLAY_MARKER, type RecordOutcome } from './record-context.ts';

/**
 * Delivers one route's SQS messages (docs/architecture.md, Delivery), each record in named
 * steps over one record context (the groups of a batch run at once, each in order: batch.ts):
 * 1. decode the envelope (malformed: dead-lettered with the decoder's reason);
 * 2. skip it if finished: its completion exists (a redelivery after a crash, I5; read for the
 *    whole batch at its start);
 * 3. park it if its key is quarantined (onPoison 'quarantine');
 * 4. load and check: fetch a claim-check payload, check the route's schema;
 * 5. call with retries (call.ts): the breaker, then in-process retries while there is time;
 * 6. settle (settle.ts): success writes the completion 'delivered'; a failure is dead-lettered
 *    when the give-up rules say so (give-up.ts; the shared procedure of dead-letter.ts), else its
 *    visibility is set to the next backoff step and RetryLaterError thrown, so the batch reports
 *    it and the rest of its group as failures.
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
  readonly #p: DeliveryParts;

  constructor(options: DelivererOptions) {
    this.#o = options;
    this.#p = deliveryParts(options);
  }

  get route(): Route {
    return this.#o.route;
  }

  get metrics(): DeliverMetrics {
    return this.#p.metrics;
  }

  /**
   * Reads what the batch needs once: the route's quarantined keys (one Query, none when not
   * quarantining) and which of `records` already finished (the duplicate check of I5: one read
   * of the route's ledger state, batch-ledger.ts).
   */
  async beginBatch(records: readonly SQSRecord[]): Promise<BatchState> {
    const route = this.#o.route;
    const breaker = this.#o.breaker?.();
    const checks: FinishedCheck[] = [];
    for (const record of records) {
      // A malformed message is dead-lettered by process(), which reads no completion for it.
      const where = coordinatesOf(record.body, route.name);
      if (where === undefined) continue;
      checks.push({
        ...where,
        from: BigInt(where.from),
        offset: BigInt(where.offset),
        replayed: isReplayed(record),
      });
    }
    const [quarantined, , { finished }] = await Promise.all([
      quarantinesKeys(route) ? this.#o.quarantine.load(route.name) : new Map<string, QuarantineEntry>(),
      breaker?.load(),
      finishedOf(this.#o.ledger, this.#o.completions, route.name, checks),
    ]);
    return { quarantined, groupVisibility: new Map(), breaker, finished, ledger: new BatchLedger() };
  }

  /**
   * Ends the batch: writes its ledger entry (one item for every record it finished), then what
   * it learnt about the endpoint to the shared breaker. Throws when the entry cannot be written:
   * the invocation fails and the batch's messages come back (docs/architecture.md, Completion ledger).
   */
  async endBatch(batch: BatchState): Promise<void> {
    await batch.ledger.flush(this.#o.ledger, this.#o.route.name);
    await batch.breaker?.flush();
  }

  /**
   * Processes one message. Resolves when the message is finished (it may be deleted); throws
   * (RetryLaterError or the bridge's own error) when it goes back to the queue, after its
   * visibility timeout was set to the next backoff step.
   * `deadline`: ms since the epoch by which the last attempt must have started.
   */
  async process(record: SQSRecord, batch: BatchState, deadline: number): Promise<RecordOutcome> {
    const receiveCount = receiveCountOf(record);
    const envelope = decodeFor(record, this.#o.route.name);
    if (typeof envelope === 'string') {
      const coordinates = coordinatesOf(record.body, this.#o.route.name);
      await this.#p.deadLetters.malformed({
        record,
        reason: envelope,
        receiveCount,
        coordinates,
        ledger: isReplayed(record) ? this.#o.completions : batch.ledger,
      });
      return 'dead-lettered';
    }
    const ctx: RecordContext = {
      record,
      envelope,
      id: recordId(envelope),
      groupId: groupIdOf(record),
      receiveCount,
      replayed: isReplayed(record),
      batch,
      // A replay's outcome is a per-record completion: the CLI waits for it (lib/cli/replay.ts).
      ledger: isReplayed(record) ? this.#o.completions : batch.ledger,
      deadline,
    };
    try {
      const outcome = await this.#steps(ctx);
      // A second message of the same record later in this batch (a re-forward after the
      // deduplication window) must see this one's completion, as a fresh read would.
      if (outcome !== 'duplicate') batch.finished.set(finishedKey(envelope), outcome);
      return outcome;
    } catch (error) {
      throw await this.#backToQueue(ctx, error);
    }
  }

  async #steps(ctx: RecordContext): Promise<RecordOutcome> {
    if (this.#skipIfFinished(ctx)) return 'duplicate';
    const quarantine = this.#quarantineOf(ctx);
    if (quarantine?.behind === ctx.id) return this.#ownDeadLetter(ctx);
    if (quarantine !== undefined) return this.#p.settle.park(ctx, quarantine);
    const loaded = await loadAndCheck(this.#o.s3, this.#p.schema, ctx.envelope);
    if ('rejected' in loaded) return this.#p.settle.reject(ctx, loaded.rejected, loaded.cause, loaded.loaded);
    const history = await this.#history(ctx);
    const result = await this.#p.caller.call(ctx, loaded, history.count);
    if (result.kind === 'failed') return this.#p.settle.failure(ctx, loaded, history, result);
    return this.#p.settle.success(ctx, history, result.made);
  }

  #skipIfFinished(ctx: RecordContext): boolean {
    const existing = ctx.batch.finished.get(finishedKey(ctx.envelope));
    if (existing === undefined) return false;
    this.#p.metrics.count(METRICS.duplicate, 1);
    this.#p.logger.info('record already completed; skipped', {
      ...recordLogFields(ctx.id, ctx.envelope),
      status: existing,
    });
    return true;
  }

  /**
   * The key is quarantined behind this very record: it was dead-lettered and its batch's entry
   * was lost to a crash. Everything but the completion was done; this writes it again.
   */
  async #ownDeadLetter(ctx: RecordContext): Promise<'duplicate'> {
    await ctx.ledger.put(completionOf(this.#o.route.name, ctx.envelope, 'dead-lettered', 0, this.#p.now()));
    this.#p.metrics.count(METRICS.duplicate, 1);
    this.#p.logger.info(
      'dead letter came back after a crash; completed again',
      recordLogFields(ctx.id, ctx.envelope),
    );
    return 'duplicate';
  }

  #quarantineOf(ctx: RecordContext): QuarantineEntry | undefined {
    if (!quarantinesKeys(this.#o.route) || ctx.replayed) return undefined;
    return ctx.batch.quarantined.get(ctx.groupId);
  }

  async #history(ctx: RecordContext): Promise<AttemptHistory> {
    if (ctx.receiveCount <= 1) return NO_HISTORY;
    const { topic, partition, from } = ctx.envelope;
    return this.#o.attemptLog.get(this.#o.route.name, topic, partition, BigInt(from));
  }

  /** Every error sends the record back with its group's visibility noted; returns the error to throw. */
  async #backToQueue(ctx: RecordContext, error: unknown): Promise<unknown> {
    if (error instanceof RetryLaterError) {
      ctx.batch.groupVisibility.set(ctx.groupId, error.visibilitySeconds);
      return error;
    }
    // The bridge's own failure: wait like a retryable answer would, without counting it against the record.
    const seconds = visibilityTimeoutSeconds(ctx.receiveCount, this.#p.policy, this.#p.random);
    this.#p.logger.error('record goes back to the queue after a bridge error', {
      ...recordLogFields(ctx.id, ctx.envelope),
      error: error instanceof Error ? error.message : String(error),
      visibilitySeconds: seconds,
    });
    await this.#p.visibility.change(ctx.record, seconds);
    ctx.batch.groupVisibility.set(ctx.groupId, seconds);
    return error;
  }
}

function finishedKey(envelope: Envelope): string {
  return completionKey(envelope.topic, envelope.partition, BigInt(envelope.from));
}
