/**
 * Backpressure of the route poller (docs/architecture.md I6, Rate limits): pausing and resuming
 * partitions, the in-flight window read from the progress group, the rate limit's tokens, and
 * the commit past a filtered tail.
 *
 * - A partition is paused for one or more reasons and resumed (seeked to `next`, so whatever
 *   kafkajs fetched meanwhile is dropped as stale) when none is left.
 * - In-flight: forwarded offsets not yet below the progress group's committed offset must stay
 *   below `maxInFlight`. `pollProgress` reads the group every `progressPollMs` and resumes
 *   partitions with room again.
 * - Rate limit: a token bucket per partition (the route's rate shared by the partitions this
 *   poller owns), slowed as in-flight grows. A token due within a second is waited for in
 *   place; a later one pauses the partition until it is due.
 * - Filtered tail: when every forwarded record is committed and only filtered records follow,
 *   nothing would ever carry a `from` past them; the poll moves the progress group to `next`
 *   itself (PartitionProgress.filteredTail says when that is safe).
 */
import { progressGroupId, type Route } from '../config/index.ts';
import { inFlightRateFactor, partitionShare, TokenBucket } from '../rate-limit/index.ts';
import {
  ignore,
  messageOf,
  type Owned,
  type PartitionConsumer,
  type PauseReason,
  type PollerLog,
  type ProgressOffsets,
} from './owned.ts';

/** A token due within this long is waited for in place; a later one pauses the partition. */
const INLINE_RATE_WAIT_MS = 1_000;
/** Prepared records are sent before waiting this long or more for a token, not held back. */
const FLUSH_BEFORE_WAIT_MS = 20;

export interface BackpressureOptions {
  readonly route: Route;
  /** The partitions the poller owns (shared with the other parts, which add and remove them). */
  readonly owned: ReadonlyMap<string, Owned>;
  readonly offsets: ProgressOffsets;
  readonly log: PollerLog;
  readonly isStopping: () => boolean;
}

export class Backpressure {
  readonly #o: BackpressureOptions;
  #polling = false;

  constructor(options: BackpressureOptions) {
    this.#o = options;
  }

  pause(consumer: PartitionConsumer, owned: Owned, reason: PauseReason): void {
    if (owned.paused.size === 0) consumer.pause([{ topic: owned.topic, partitions: [owned.partition] }]);
    owned.paused.add(reason);
  }

  /** Clears one pause reason; resumes the partition (seeked to `next`) when none is left. */
  unpause(consumer: PartitionConsumer, owned: Owned, reason: PauseReason): void {
    owned.paused.delete(reason);
    if (owned.progress === undefined) return;
    if (reason !== 'in-flight' && owned.progress.room(this.#o.route.maxInFlight) === 0)
      owned.paused.add('in-flight');
    if (owned.paused.size > 0 || this.#o.isStopping()) return;
    consumer.seek({ topic: owned.topic, partition: owned.partition, offset: owned.progress.next.toString() });
    consumer.resume([{ topic: owned.topic, partitions: [owned.partition] }]);
  }

  /** Pauses the partition for `ms`; a reassignment or repositioning meanwhile (epoch) cancels the resume. */
  pauseFor(consumer: PartitionConsumer, owned: Owned, reason: 'rate' | 'registry', ms: number): void {
    const epoch = owned.epoch;
    this.pause(consumer, owned, reason);
    clearTimeout(owned.pauseTimer);
    owned.pauseTimer = setTimeout(
      () => {
        if (owned.epoch === epoch && !this.#o.isStopping()) this.unpause(consumer, owned, reason);
      },
      Math.max(1, ms),
    );
  }

  /** Pauses the partition until its next token is due. */
  pauseForRate(consumer: PartitionConsumer, owned: Owned): void {
    if (owned.bucket !== undefined) this.pauseFor(consumer, owned, 'rate', owned.bucket.msUntil(1));
  }

  /** The route's rate shared by the partitions this poller owns (docs/architecture.md Rate limits). */
  configureRates(): void {
    const { route, owned } = this.#o;
    const limit = route.rateLimit;
    if (limit === undefined) return;
    const share = partitionShare(limit.perSecond, owned.size);
    const burst = Math.max(1, Math.floor(partitionShare(limit.burst, owned.size)));
    for (const o of owned.values()) {
      const factor = inFlightRateFactor(o.progress?.inFlight ?? 0, route.maxInFlight);
      if (o.bucket === undefined) o.bucket = new TokenBucket(share * factor, burst);
      else o.bucket.configure(share * factor, burst);
    }
  }

  /**
   * Takes a token, waiting for it in place when it is due soon: pausing costs a fetch round
   * (kafkajs sleeps up to maxWaitTimeInMs while everything is paused), more than a short wait.
   * Records already prepared are sent before a wait long enough to matter. False when the token
   * is further away (the caller pauses the partition) or the work was abandoned meanwhile.
   */
  async takeToken(
    bucket: TokenBucket,
    flush: () => Promise<void>,
    heartbeat: () => Promise<void>,
    isCurrent: () => boolean,
  ): Promise<boolean> {
    while (!bucket.tryTake(1)) {
      const waitMs = bucket.msUntil(1);
      if (waitMs >= FLUSH_BEFORE_WAIT_MS) await flush();
      if (waitMs > INLINE_RATE_WAIT_MS) return false;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      await heartbeat();
      if (!isCurrent()) return false;
    }
    return true;
  }

  /**
   * Reads the progress group's offsets; resumes partitions whose in-flight window has room
   * again, and moves the group past filtered tails. Not fatal when it fails: paused partitions
   * stay paused (the safe side) until a later poll succeeds.
   */
  async pollProgress(consumer: PartitionConsumer | undefined): Promise<void> {
    const { route, owned, offsets, log, isStopping } = this.#o;
    if (this.#polling || isStopping() || consumer === undefined) return;
    this.#polling = true;
    try {
      const group = progressGroupId(route);
      const topics = new Set([...owned.values()].filter((o) => o.progress !== undefined).map((o) => o.topic));
      for (const topic of topics) {
        const committed = await offsets.committed(group, topic);
        for (const o of owned.values()) {
          if (o.topic !== topic || o.progress === undefined) continue;
          const offset = committed.get(o.partition);
          if (offset !== undefined) o.progress.updateCommitted(offset);
          if (o.paused.has('in-flight') && o.progress.room(route.maxInFlight) > 0) {
            this.unpause(consumer, o, 'in-flight');
          }
          if (o.progress.filteredTail() !== undefined) this.#passFilteredTail(o);
        }
      }
      this.configureRates();
    } catch (error) {
      log.warn('reading the progress group failed; partitions stay paused until a later read', {
        route: route.name,
        error: messageOf(error),
      });
    } finally {
      this.#polling = false;
    }
  }

  /**
   * Commits `next` for a partition whose uncommitted records were all filtered out. Runs in the
   * partition's `busy` chain, so no batch forwards meanwhile, and checks again there. A failed
   * write is tried again at the next poll.
   */
  #passFilteredTail(o: Owned): void {
    const { route, offsets, log, isStopping } = this.#o;
    const progress = o.progress;
    const work = o.busy.then(async () => {
      const to = progress?.filteredTail();
      if (progress === undefined || to === undefined || o.progress !== progress || isStopping()) return;
      try {
        await offsets.commit(progressGroupId(route), o.topic, new Map([[o.partition, to]]));
        progress.updateCommitted(to);
      } catch (error) {
        log.warn('committing past filtered records failed; trying again at the next poll', {
          route: route.name,
          topic: o.topic,
          partition: o.partition,
          error: messageOf(error),
        });
      }
    });
    o.busy = work.then(ignore, ignore);
  }
}
