/**
 * Forwarding one fetched batch of one partition (docs/architecture.md I3, I4, I6): a short loop
 * over the pipeline's steps, decode -> filter (stages.ts) -> envelope (envelope-step.ts) -> send
 * plan (send-window.ts) -> send (BatchSender), with backpressure (backpressure.ts) checked
 * before each record.
 *
 * - Contiguity: a batch fetched from beyond `next` is discarded and the partition seeked back;
 *   a record below `next` is a re-read and is dropped.
 * - Each forwarded record carries `from`, the position after the previous forwarded one (I4);
 *   filtered records move the read position only, so the next `from` covers them. `next` moves
 *   only over accepted sends and, at the end of the batch, over a filtered tail.
 */
import type { EachBatchPayload } from 'kafkajs';
import type { Route } from '../config/index.ts';
import type { Assignment } from './assignment.ts';
import type { Backpressure } from './backpressure.ts';
import type { SendControl } from './batch-sender.ts';
import type { EnvelopeStep } from './envelope-step.ts';
import { PollerError, SupersededError } from './errors.ts';
import { messageOf, type Owned, type PartitionConsumer, type PollerLog } from './owned.ts';
import type { PartitionProgress } from './partition-progress.ts';
import type { OutgoingMessage } from './send-plan.ts';
import { SendWindow } from './send-window.ts';
import { type DecodedRecord, type RouteStages, runStages } from './stages.ts';

export interface ForwarderOptions {
  readonly route: Route;
  readonly stages: RouteStages;
  readonly envelope: EnvelopeStep;
  /** The send step: resolves once SQS accepted every message (BatchSender.send). */
  readonly send: (messages: readonly OutgoingMessage[], control: SendControl) => Promise<void>;
  readonly backpressure: Backpressure;
  readonly assignment: Pick<Assignment, 'skipDeletedRecords'>;
  readonly log: PollerLog;
  readonly signal: AbortSignal;
  readonly isStopping: () => boolean;
}

/** What forwarding uses of kafkajs's EachBatchPayload (a plain object in unit tests). */
export type Batch = Pick<EachBatchPayload, 'resolveOffset' | 'heartbeat' | 'isRunning' | 'isStale'> & {
  readonly batch: Pick<EachBatchPayload['batch'], 'topic' | 'partition' | 'messages'>;
};

export class Forwarder {
  readonly #o: ForwarderOptions;
  readonly #hasStages: boolean;

  constructor(options: ForwarderOptions) {
    this.#o = options;
    this.#hasStages = options.stages.decode !== undefined || options.stages.filter !== undefined;
  }

  async forward(
    consumer: PartitionConsumer,
    payload: Batch,
    owned: Owned,
    progress: PartitionProgress,
    epoch: number,
  ): Promise<void> {
    const { route, stages, envelope, backpressure, log, isStopping } = this.#o;
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const isCurrent = (): boolean =>
      isRunning() && !isStale() && !isStopping() && owned.epoch === epoch && progress === owned.progress;
    if (!isCurrent() || !(await this.#contiguous(consumer, payload, owned, progress))) return;

    const control: SendControl = {
      isCurrent,
      keepAlive: heartbeat,
      signal: this.#o.signal,
      report: (problem) => {
        owned.lastError = problem.message;
      },
    };
    const window = new SendWindow({
      send: (messages) => this.#o.send(messages, control),
      settled: async (messages) => {
        for (const message of messages) {
          const from = progress.forwarded(message.offset);
          if (from !== message.from) {
            throw new PollerError(
              route.name,
              `${batch.topic}/${batch.partition}: offset ${message.offset} was sent with from ${message.from} but the position was ${from}`,
            );
          }
        }
        owned.forwardedCount += messages.length;
        owned.lastError = undefined;
        resolveOffset((messages[messages.length - 1] as OutgoingMessage).offset.toString());
        await heartbeat();
      },
    });
    let position = progress.next; // the read position: after the last record forwarded or filtered
    let chain = progress.chain; // the `from` of the next forwarded record
    let reread = 0;
    let held: string | undefined;
    const filtered: bigint[] = [];
    try {
      for (const message of batch.messages) {
        if (!isCurrent()) break;
        const offset = BigInt(message.offset);
        if (offset < position) {
          reread++; // a re-read of something already forwarded: dropped (I3)
          continue;
        }
        if (progress.inFlight + window.unsettled >= route.maxInFlight) {
          await window.flush();
          backpressure.pause(consumer, owned, 'in-flight');
          break;
        }
        let record: DecodedRecord = { topic: batch.topic, partition: batch.partition, offset, message };
        if (this.#hasStages) {
          const staged = runStages(stages, record);
          const result = staged instanceof Promise ? await staged : staged;
          if (!isCurrent()) break;
          if (result.kind === 'filtered') {
            filtered.push(offset);
            position = offset + 1n;
            continue;
          }
          if (result.kind === 'hold') {
            await window.flush();
            log.warn('the decode stage holds the partition; retrying', {
              route: route.name,
              record: `${batch.topic}/${batch.partition}/${offset}`,
              reason: result.reason,
              retryAfterMs: result.retryAfterMs,
            });
            held = `held by the decode stage: ${result.reason}`;
            backpressure.pauseFor(consumer, owned, 'registry', result.retryAfterMs);
            break;
          }
          record = result.record;
        }
        const bucket = owned.bucket;
        if (
          bucket !== undefined &&
          !(await backpressure.takeToken(bucket, () => window.flush(), heartbeat, isCurrent))
        ) {
          if (isCurrent()) backpressure.pauseForRate(consumer, owned);
          break;
        }
        const prepared = envelope.prepare(record, chain, control);
        const outgoing = prepared instanceof Promise ? await prepared : prepared;
        if (!window.fits(outgoing)) await window.flush();
        if (!isCurrent()) break;
        window.push(outgoing);
        position = offset + 1n;
        chain = position;
      }
      if (isCurrent()) await window.flush();
      await window.settleAll();
      if (held !== undefined) owned.lastError = held;
      this.#passFiltered(owned, progress, filtered, isCurrent(), resolveOffset);
      // A batch of nothing but re-reads resolved no offset, so kafkajs would fetch it again and again.
      if (reread === batch.messages.length && reread > 0 && isCurrent()) {
        consumer.seek({ topic: batch.topic, partition: batch.partition, offset: progress.next.toString() });
      }
    } catch (error) {
      // No send of this batch may outlive it: repositioning waits for `busy` and then trusts `next`.
      await window.abandon();
      if (error instanceof SupersededError) return;
      owned.lastError = messageOf(error);
      throw error;
    }
  }

  /**
   * Filtered records are finished: those before a forwarded record are covered by its `from`;
   * a tail after the last forwarded one moves `next` (and kafkajs's position) past it.
   */
  #passFiltered(
    owned: Owned,
    progress: PartitionProgress,
    filtered: readonly bigint[],
    current: boolean,
    resolveOffset: (offset: string) => void,
  ): void {
    const last = filtered.at(-1);
    if (last === undefined || !current) return;
    if (last >= progress.next) {
      progress.filtered(last);
      resolveOffset(last.toString());
    }
    owned.filteredCount += filtered.length;
  }

  /**
   * Whether the batch continues from `next`. Fetched from beyond it (or from an unknown
   * position), records may be missing in between: the batch is dropped and the partition seeked
   * back. Kafka answers a fetch below the log start with OffsetOutOfRange and kafkajs then jumps
   * to the earliest offset: when that is why, the records before it are gone for good.
   */
  async #contiguous(
    consumer: PartitionConsumer,
    { batch }: Batch,
    owned: Owned,
    progress: PartitionProgress,
  ): Promise<boolean> {
    // kafkajs does not type it, but every Batch carries the offset its fetch started from.
    const fetchedOffset = (batch as unknown as { fetchedOffset?: unknown }).fetchedOffset;
    if (typeof fetchedOffset === 'string' && progress.fetchIsContiguous(BigInt(fetchedOffset))) return true;
    this.#o.log.warn('dropped a batch fetched out of sequence; seeking back', {
      route: this.#o.route.name,
      topic: batch.topic,
      partition: batch.partition,
      fetchedOffset: String(fetchedOffset),
      next: progress.next.toString(),
    });
    if (
      typeof fetchedOffset === 'string' &&
      (await this.#o.assignment.skipDeletedRecords(consumer, owned, progress))
    )
      return false;
    consumer.seek({ topic: batch.topic, partition: batch.partition, offset: progress.next.toString() });
    return false;
  }
}
