/**
 * The poller of one route: moves the route's Kafka records into its SQS FIFO queue, in order,
 * without gaps, at most `maxInFlight` uncommitted records per partition.
 *
 * Design (docs/architecture.md I2, I3, I5, I6):
 * - Membership: a kafkajs consumer joins the route's *membership group* only to share the
 *   partitions with the route's other pollers. Nothing is committed there (autoCommit off);
 *   positions come from the *progress group*, which only the commit function writes.
 * - Positioning: on every assignment (GROUP_JOIN) the assigned partitions are paused at once,
 *   synchronously, so no fetch runs from kafkajs's own default position. Then the progress
 *   group's offsets are read; a partition without one starts at the route's `startFrom`
 *   (low or high watermark), which is written to the progress group so the commit function
 *   has the start of its chain. Then each partition is seeked there and resumed. A partition
 *   this member kept across the rebalance keeps its own position (it knows what it forwarded).
 * - Contiguity: each partition tracks `next` (PartitionProgress). A batch fetched from beyond
 *   `next` is discarded and the partition seeked back; a record below `next` is a re-read and
 *   is dropped. Each forwarded record carries `from`, the position before it (I4).
 * - Sending: per partition, records are prepared in offset order and sent in SendMessageBatch
 *   calls (10 entries, 1 MiB); up to MAX_CONCURRENT_SENDS calls of one partition run at once,
 *   but only when they share no message group, and their results are taken in order, so `next`
 *   only moves over accepted records. Partitions run in parallel (kafkajs hands each worker one
 *   partition's batch); a key's records come from one partition, so no two concurrent sends
 *   hold the same group's ordered records. Failed entries are resent with every later entry of
 *   their group (BatchSender); deduplication ids make a resend harmless.
 * - Claim check: a value that does not fit SQS goes to S3 first (PayloadStore); when key and
 *   headers alone do not fit either, the whole record does (record claim check, size.ts placement).
 * - Backpressure: before forwarding, the partition's in-flight count (forwarded offsets not yet
 *   below the progress group's committed offset) must be below `maxInFlight`; otherwise the
 *   partition is paused and the rest of the fetched batch dropped (it is fetched again). A
 *   timer reads the progress group every `progressPollMs` and resumes partitions with room.
 *   Memory holds at most one fetched batch per partition and the in-flight offsets.
 * - Rate limit: a token bucket per partition (the route's rate shared by the partitions this
 *   poller owns), slowed as in-flight grows. A token due within a second is waited for in
 *   place; a later one pauses the partition until it is due, rather than holding the fetch
 *   loop that all partitions share.
 * - Records deleted from Kafka before they were forwarded (retention) cannot be forwarded:
 *   the poller logs the loss, counts it in its status, moves the progress group to the log
 *   start and goes on.
 * - Every resume seeks to `next`, so whatever kafkajs fetched meanwhile is dropped as stale.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Consumer, ConsumerGroupJoinEvent, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { membershipGroupId, payloadPrefix, progressGroupId, type Route } from '../config/index.ts';
import {
  deduplicationId,
  type Envelope,
  type EnvelopeValue,
  encodeEnvelope,
  encodeRecordObject,
  type KafkaHeader,
  messageGroupId,
  placement,
  type RecordRef,
  type S3Pointer,
} from '../envelope/index.ts';
import { KafkaOffsets } from '../kafka/offsets.ts';
import { inFlightRateFactor, partitionShare, TokenBucket } from '../rate-limit/index.ts';
import { type BackoffPolicy, backoffMs } from '../retry/index.ts';
import { BatchSender, type SendControl, type SendProblem } from './batch-sender.ts';
import { type ClaimKind, PayloadStore } from './claim-check.ts';
import { PollerError, SupersededError } from './errors.ts';
import { PartitionProgress } from './partition-progress.ts';
import { fitsBatch, type OutgoingMessage } from './send-plan.ts';

/** Why a partition is not being fetched. */
export type PauseReason = 'positioning' | 'in-flight' | 'rate';

/** What the poller logs through; Powertools' Logger and console fit. */
export interface PollerLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface RoutePollerOptions {
  readonly route: Route;
  /** A kafkajs client for the route's cluster; the poller makes its consumer and admin from it. */
  readonly kafka: Kafka;
  readonly sqs: SQSClient;
  /** The URL of the route's FIFO queue (named queueName(route)). */
  readonly queueUrl: string;
  readonly s3: S3Client;
  /** Where values too large for SQS go; a record that needs it fails loudly when undefined. */
  readonly payloadBucket: string | undefined;
  /** How often the progress group's offsets are read (backpressure, health); default 1000 ms. */
  readonly progressPollMs?: number;
  readonly log?: PollerLog;
  /**
   * Called when the poller cannot go on (the Kafka consumer kept stopping, see
   * `consumerRestarts`); the process should exit and be restarted.
   */
  readonly onFatal?: (error: Error) => void;
  /**
   * When kafkajs stops the consumer for good (a crash it will not restart itself), the poller
   * builds a new consumer after a backoff, up to `max` times within `windowMs`; one more is
   * fatal. Default: 5 within 10 minutes, backoff from 500 ms up to 10 s.
   */
  readonly consumerRestarts?: ConsumerRestartPolicy;
  /** Bytes kafkajs fetches per partition at most: bounds memory per partition. Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /**
   * How long the group waits for a silent member before moving its partitions (kafkajs default
   * 30 s). Shorter moves a crashed task's partitions sooner; the broker sets the lower bound.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * How long a rebalance waits for members to rejoin (kafkajs default 60 s). A member killed
   * without leaving holds up the next rebalance until this passes, so a restarted task waits
   * up to this long for its partitions.
   */
  readonly rebalanceTimeoutMs?: number;
}

export interface ConsumerRestartPolicy {
  readonly max: number;
  readonly windowMs: number;
  readonly backoff: BackoffPolicy;
}

const DEFAULT_CONSUMER_RESTARTS: ConsumerRestartPolicy = {
  max: 5,
  windowMs: 10 * 60_000,
  backoff: { baseMs: 500, maxMs: 10_000, jitter: 'full' },
};

/** A partition's state as the health endpoint shows it; offsets as decimal strings. */
export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  /** Undefined while the partition is being positioned. */
  readonly next: string | undefined;
  readonly committed: string | undefined;
  readonly inFlight: number;
  readonly paused: readonly PauseReason[];
  readonly forwarded: number;
  /** Records deleted from Kafka (retention) before this poller could forward them, decimal. */
  readonly lost: string;
  readonly lastError: string | undefined;
}

export interface RouteStatus {
  readonly route: string;
  readonly running: boolean;
  readonly memberId: string | undefined;
  readonly partitions: readonly PartitionStatus[];
}

/** One partition this poller owns. */
interface Owned {
  readonly topic: string;
  readonly partition: number;
  /** Set once positioned. */
  progress: PartitionProgress | undefined;
  /** Bumped on every reassignment and repositioning: work of an older epoch is abandoned. */
  epoch: number;
  readonly paused: Set<PauseReason>;
  bucket: TokenBucket | undefined;
  /** The batch being forwarded, so repositioning can wait for it. */
  busy: Promise<void>;
  rateTimer: NodeJS.Timeout | undefined;
  forwardedCount: number;
  lost: bigint;
  lastError: string | undefined;
}

const DEFAULT_PROGRESS_POLL_MS = 1_000;
const STORE_TRANSIENT: BackoffPolicy = { baseMs: 100, maxMs: 5_000, jitter: 'full' };
const STORE_PERMANENT: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, jitter: 'full' };
const ignore = (): void => {
  // No logger given: the caller chose not to see the poller's logs.
};
const NOOP_LOG: PollerLog = { info: ignore, warn: ignore, error: ignore };

function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** kafkajs headers (an object; repeated names become arrays) as the envelope's list of pairs. */
function envelopeHeaders(message: KafkaMessage): KafkaHeader[] {
  const headers: KafkaHeader[] = [];
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      headers.push([name, value === undefined || value === null ? null : Buffer.from(value)]);
    }
  }
  return headers;
}

/**
 * SendMessageBatch calls one partition may have under way at once (with disjoint message
 * groups). More hides SQS latency; each holds at most 10 records, so memory stays small.
 */
const MAX_CONCURRENT_SENDS = 4;

/** A token due within this long is waited for in place; a later one pauses the partition. */
const INLINE_RATE_WAIT_MS = 1_000;
/** Prepared records are sent before waiting this long or more for a token, not held back. */
const FLUSH_BEFORE_WAIT_MS = 20;

/** Bytes of key, headers and value below which a message fits SQS whatever its envelope fields. */
const CLEARLY_FITS_BYTES = 512 * 1024;

/** A well-formed SHA-256 in base64 standing in for one not computed yet (only its length matters). */
const PLACEHOLDER_SHA256 = `${'A'.repeat(43)}=`;

/**
 * A cheap bound that spares most records the exact size check (which encodes the envelope a
 * second time): base64 grows bytes by 4/3, so 512 KiB of key, headers and value take at most
 * 683 KiB, and the envelope's other fields (ids, offsets, names) stay far below the rest of 1 MiB.
 */
function clearlyFits(record: KafkaMessage, headers: readonly KafkaHeader[]): boolean {
  let bytes = (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
  for (const [name, value] of headers) bytes += Buffer.byteLength(name) * 6 + (value?.byteLength ?? 0);
  return bytes <= CLEARLY_FITS_BYTES;
}

export class RoutePoller {
  readonly route: Route;
  readonly #kafka: Kafka;
  readonly #offsets: KafkaOffsets;
  readonly #sender: BatchSender;
  readonly #payloads: PayloadStore | undefined;
  readonly #log: PollerLog;
  readonly #onFatal: (error: Error) => void;
  readonly #progressPollMs: number;
  readonly #maxBytesPerPartition: number;
  readonly #sessionTimeoutMs: number;
  readonly #rebalanceTimeoutMs: number;
  readonly #consumerRestarts: ConsumerRestartPolicy;
  /** When the consumer was replaced, for the restart budget. */
  #restartTimes: number[] = [];
  #replacing = false;
  /** A crash of the consumer being started by #replaceConsumer, which then tries again. */
  #crashedWhileReplacing: Error | undefined;
  readonly #owned = new Map<string, Owned>();
  readonly #abort = new AbortController();
  #consumer: Consumer | undefined;
  #memberId: string | undefined;
  #assignment = 0;
  #running = false;
  #stopping = false;
  #progressTimer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(options: RoutePollerOptions) {
    this.route = options.route;
    this.#kafka = options.kafka;
    this.#offsets = new KafkaOffsets(options.kafka);
    this.#log = options.log ?? NOOP_LOG;
    this.#onFatal =
      options.onFatal ?? ((error) => this.#log.error('poller failed', { error: error.message }));
    this.#progressPollMs = options.progressPollMs ?? DEFAULT_PROGRESS_POLL_MS;
    this.#maxBytesPerPartition = options.maxBytesPerPartition ?? 1_048_576;
    this.#sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
    this.#rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60_000;
    this.#consumerRestarts = options.consumerRestarts ?? DEFAULT_CONSUMER_RESTARTS;
    this.#sender = new BatchSender({
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      onProblem: (problem) => this.#sendProblem(problem),
    });
    this.#payloads =
      options.payloadBucket === undefined
        ? undefined
        : new PayloadStore(options.s3, options.payloadBucket, payloadPrefix(options.route));
  }

  /** Joins the membership group and starts forwarding; resolves once the consumer runs. */
  async start(): Promise<void> {
    if (this.#running) throw new PollerError(this.route.name, 'start: already started');
    this.#running = true;
    await this.#offsets.connect();
    await this.#startConsumer();
    this.#progressTimer = setInterval(() => void this.#pollProgress(), this.#progressPollMs);
    this.#progressTimer.unref();
  }

  async #startConsumer(): Promise<void> {
    const consumer = this.#kafka.consumer({
      groupId: membershipGroupId(this.route),
      maxBytesPerPartition: this.#maxBytesPerPartition,
      sessionTimeout: this.#sessionTimeoutMs,
      rebalanceTimeout: this.#rebalanceTimeoutMs,
      // kafkajs sleeps this long when every partition is paused, and a fetch without data blocks
      // this long without heartbeats: its 5 s default delays resumes and can outlast a short
      // session timeout (the member is then dropped and rejoins under a new id).
      maxWaitTimeInMs: Math.min(500, Math.floor(this.#sessionTimeoutMs / 3)),
      // kafkajs's rule of thumb: heartbeats at a third of the session timeout at most.
      heartbeatInterval: Math.max(100, Math.min(3_000, Math.floor(this.#sessionTimeoutMs / 3))),
      // Transactional records are forwarded once committed; aborted ones never.
      readUncommitted: false,
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.#onJoin(consumer, event));
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.#log.error('kafka consumer crashed', { route: this.route.name, error: error.message, restart });
      // kafkajs restarts the consumer itself when it deems the error retriable. It does not for
      // errors it marks non-retriable, and some of those are transient: a rejoin during fast
      // membership changes can fail with REBALANCE_IN_PROGRESS and stop the consumer for good.
      if (restart || this.#stopping || consumer !== this.#consumer) return;
      if (this.#replacing) this.#crashedWhileReplacing = error;
      else void this.#replaceConsumer(error);
    });
    await consumer.connect();
    for (const topic of this.route.topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // One worker per partition a task may own, so a partition's send never waits for another's.
      partitionsConsumedConcurrently: 64,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /**
   * Builds a new consumer in place of one kafkajs stopped for good, within the restart budget.
   * The new member gets its partitions through a normal join: #onJoin repositions them from the
   * progress group and waits for the old consumer's batches still being sent. What was forwarded
   * but not committed is forwarded again (deduplication ids, the completion check: I5).
   */
  async #replaceConsumer(cause: Error): Promise<void> {
    this.#replacing = true;
    try {
      await this.#replaceConsumerLoop(cause);
    } finally {
      this.#replacing = false;
    }
  }

  async #replaceConsumerLoop(cause: Error): Promise<void> {
    const { max, windowMs, backoff } = this.#consumerRestarts;
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      this.#restartTimes = [...this.#restartTimes.filter((at) => now - at < windowMs), now];
      if (this.#restartTimes.length > max) {
        this.#onFatal(
          new PollerError(
            this.route.name,
            `kafka consumer stopped ${this.#restartTimes.length} times within ${windowMs} ms: ${messageOf(cause)}`,
            { cause },
          ),
        );
        return;
      }
      const waitMs = backoffMs(attempt, backoff);
      this.#log.warn('replacing the stopped kafka consumer', {
        route: this.route.name,
        error: messageOf(cause),
        waitMs,
      });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (this.#stopping) return;
      const stopped = this.#consumer;
      try {
        // kafkajs disconnects a crashed consumer itself; this only makes sure of it.
        await stopped?.disconnect();
        this.#crashedWhileReplacing = undefined;
        await this.#startConsumer();
        // consumer.run() reports a failed first join as a CRASH event, not as a rejection.
        const crashed = this.#crashedWhileReplacing;
        if (crashed === undefined) {
          this.#log.info('kafka consumer replaced', { route: this.route.name });
          return;
        }
        cause = crashed;
      } catch (error) {
        cause = error instanceof Error ? error : new Error(String(error));
      }
    }
  }

  /**
   * Graceful stop: stops fetching, lets the send in progress finish (what was not sent yet is
   * read again by the next owner from the progress group), leaves the group, disconnects.
   */
  async stop(): Promise<void> {
    if (!this.#running || this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#progressTimer);
    for (const owned of this.#owned.values()) clearTimeout(owned.rateTimer);
    try {
      // disconnect() stops the runner, which waits for the batches in progress, then leaves the group.
      await this.#consumer?.disconnect();
      await Promise.all([...this.#owned.values()].map((owned) => owned.busy));
    } finally {
      this.#abort.abort();
      this.#owned.clear();
      this.#running = false;
      await this.#offsets.disconnect();
    }
  }

  status(): RouteStatus {
    return {
      route: this.route.name,
      running: this.#running && !this.#stopping,
      memberId: this.#memberId,
      partitions: [...this.#owned.values()]
        .map((owned) => ({
          topic: owned.topic,
          partition: owned.partition,
          next: owned.progress?.next.toString(),
          committed: owned.progress?.committed.toString(),
          inFlight: owned.progress?.inFlight ?? 0,
          paused: [...owned.paused],
          forwarded: owned.forwardedCount,
          lost: owned.lost.toString(),
          lastError: owned.lastError,
        }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    };
  }

  // ---- assignment and positioning ----

  #onJoin(consumer: Consumer, event: ConsumerGroupJoinEvent): void {
    const { memberId, memberAssignment } = event.payload;
    const assigned: { topic: string; partitions: number[] }[] = Object.entries(memberAssignment).map(
      ([topic, partitions]) => ({ topic, partitions: [...partitions] }),
    );
    // Synchronously, before the fetch loop starts: no fetch may run from kafkajs's default position.
    if (assigned.length > 0) consumer.pause(assigned);
    const sameMember = memberId === this.#memberId;
    this.#memberId = memberId;
    const keys = new Set(
      assigned.flatMap(({ topic, partitions }) => partitions.map((p) => partitionKey(topic, p))),
    );
    // A partition dropped here may still have a batch finishing its send: whoever positions the
    // partition next waits for it (kafkajs normally finishes batches before rejoining anyway).
    const finishing = new Map<string, Promise<void>>();
    for (const [key, owned] of this.#owned) {
      if (keys.has(key) && sameMember) continue;
      owned.epoch++;
      clearTimeout(owned.rateTimer);
      finishing.set(key, owned.busy);
      this.#owned.delete(key);
    }
    const toPosition: Owned[] = [];
    for (const { topic, partitions } of assigned) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        let owned = this.#owned.get(key);
        if (owned === undefined) {
          owned = {
            topic,
            partition,
            progress: undefined,
            epoch: 0,
            paused: new Set(),
            bucket: undefined,
            busy: finishing.get(key) ?? Promise.resolve(),
            rateTimer: undefined,
            forwardedCount: 0,
            lost: 0n,
            lastError: undefined,
          };
          this.#owned.set(key, owned);
        }
        owned.epoch++;
        clearTimeout(owned.rateTimer);
        owned.paused.clear();
        owned.paused.add('positioning');
        toPosition.push(owned);
      }
    }
    this.#configureRates();
    const assignment = ++this.#assignment;
    this.#log.info('partitions assigned', {
      route: this.route.name,
      memberId,
      partitions: [...keys],
    });
    void this.#positionAll(consumer, assignment, toPosition);
  }

  /** Positions every newly assigned partition; retries until done or superseded by a newer assignment. */
  async #positionAll(consumer: Consumer, assignment: number, owned: readonly Owned[]): Promise<void> {
    for (let attempt = 0; this.#isCurrentAssignment(assignment); attempt++) {
      try {
        await this.#position(consumer, assignment, owned);
        return;
      } catch (error) {
        const waitMs = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
        this.#log.error('positioning partitions failed; trying again', {
          route: this.route.name,
          error: messageOf(error),
          waitMs,
        });
        for (const o of owned) o.lastError = messageOf(error);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  #isCurrentAssignment(assignment: number): boolean {
    return assignment === this.#assignment && this.#running && !this.#stopping;
  }

  async #position(consumer: Consumer, assignment: number, owned: readonly Owned[]): Promise<void> {
    // A batch of the previous assignment may still be sending for a kept partition; its position must settle first.
    await Promise.all(owned.map((o) => o.busy));
    const progressGroup = progressGroupId(this.route);
    const topics = [...new Set(owned.map((o) => o.topic))];
    const starts = new Map<string, bigint>();
    for (const topic of topics) {
      const committed = await this.#offsets.committed(progressGroup, topic);
      const missing = owned.filter((o) => o.topic === topic && !committed.has(o.partition));
      if (missing.length > 0) {
        const watermarks = await this.#offsets.watermarks(topic);
        const chainStarts = new Map<number, bigint>();
        for (const o of missing) {
          const marks = watermarks.get(o.partition);
          if (marks === undefined) {
            throw new PollerError(
              this.route.name,
              `topic ${topic} has no partition ${o.partition} in its metadata`,
              {
                retryable: true,
              },
            );
          }
          chainStarts.set(o.partition, this.route.startFrom === 'earliest' ? marks.low : marks.high);
        }
        // The commit function walks completions from the committed offset: it needs one to start from.
        await this.#offsets.commit(progressGroup, topic, chainStarts);
        this.#log.info('progress group had no offset; wrote the start position', {
          route: this.route.name,
          topic,
          startFrom: this.route.startFrom,
          positions: Object.fromEntries([...chainStarts].map(([p, o]) => [p, o.toString()])),
        });
        for (const [partition, offset] of chainStarts) committed.set(partition, offset);
      }
      for (const o of owned) {
        if (o.topic !== topic) continue;
        const offset = committed.get(o.partition);
        if (offset !== undefined) starts.set(partitionKey(topic, o.partition), offset);
      }
    }
    if (!this.#isCurrentAssignment(assignment)) return;
    for (const o of owned) {
      const committed = starts.get(partitionKey(o.topic, o.partition));
      if (committed === undefined) continue;
      // Kept across the rebalance: this member knows what it forwarded beyond the committed offset.
      if (o.progress !== undefined && committed <= o.progress.next) o.progress.updateCommitted(committed);
      else o.progress = new PartitionProgress(o.topic, o.partition, committed);
      o.lastError = undefined;
      o.epoch++;
      this.#unpause(consumer, o, 'positioning');
      this.#log.info('partition positioned', {
        route: this.route.name,
        topic: o.topic,
        partition: o.partition,
        next: o.progress.next.toString(),
        committed: committed.toString(),
      });
    }
  }

  /** Clears one pause reason; resumes the partition (seeked to `next`) when none is left. */
  #unpause(consumer: Consumer, owned: Owned, reason: PauseReason): void {
    owned.paused.delete(reason);
    if (owned.progress === undefined) return;
    if (reason !== 'in-flight' && owned.progress.room(this.route.maxInFlight) === 0)
      owned.paused.add('in-flight');
    if (owned.paused.size > 0 || this.#stopping) return;
    consumer.seek({ topic: owned.topic, partition: owned.partition, offset: owned.progress.next.toString() });
    consumer.resume([{ topic: owned.topic, partitions: [owned.partition] }]);
  }

  #pause(consumer: Consumer, owned: Owned, reason: PauseReason): void {
    if (owned.paused.size === 0) consumer.pause([{ topic: owned.topic, partitions: [owned.partition] }]);
    owned.paused.add(reason);
  }

  /** The route's rate shared by the partitions this poller owns (docs/architecture.md Rate limits). */
  #configureRates(): void {
    const limit = this.route.rateLimit;
    if (limit === undefined) return;
    const share = partitionShare(limit.perSecond, this.#owned.size);
    const burst = Math.max(1, Math.floor(partitionShare(limit.burst, this.#owned.size)));
    for (const owned of this.#owned.values()) {
      const factor = inFlightRateFactor(owned.progress?.inFlight ?? 0, this.route.maxInFlight);
      if (owned.bucket === undefined) owned.bucket = new TokenBucket(share * factor, burst);
      else owned.bucket.configure(share * factor, burst);
    }
  }

  // ---- backpressure ----

  /** Reads the progress group's offsets; resumes partitions whose in-flight window has room again. */
  async #pollProgress(): Promise<void> {
    const consumer = this.#consumer;
    if (this.#polling || this.#stopping || consumer === undefined) return;
    this.#polling = true;
    try {
      const group = progressGroupId(this.route);
      const topics = new Set(
        [...this.#owned.values()].filter((o) => o.progress !== undefined).map((o) => o.topic),
      );
      for (const topic of topics) {
        const committed = await this.#offsets.committed(group, topic);
        for (const owned of this.#owned.values()) {
          if (owned.topic !== topic || owned.progress === undefined) continue;
          const offset = committed.get(owned.partition);
          if (offset !== undefined) owned.progress.updateCommitted(offset);
          if (owned.paused.has('in-flight') && owned.progress.room(this.route.maxInFlight) > 0) {
            this.#unpause(consumer, owned, 'in-flight');
          }
        }
      }
      this.#configureRates();
    } catch (error) {
      // Not fatal: paused partitions stay paused (the safe side) until a later poll succeeds.
      this.#log.warn('reading the progress group failed; partitions stay paused until a later read', {
        route: this.route.name,
        error: messageOf(error),
      });
    } finally {
      this.#polling = false;
    }
  }

  // ---- forwarding ----

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const owned = this.#owned.get(partitionKey(batch.topic, batch.partition));
    // Not positioned, paused or not ours (any more): the records are fetched again after the seek.
    if (owned?.progress === undefined || owned.paused.size > 0 || this.#stopping) return;
    const epoch = owned.epoch;
    const work = owned.busy.then(() =>
      this.#forward(payload, owned, owned.progress as PartitionProgress, epoch),
    );
    // `busy` only orders work; the error itself reaches kafkajs through `await work` below.
    owned.busy = work.then(ignore, ignore);
    await work;
  }

  async #forward(
    payload: EachBatchPayload,
    owned: Owned,
    progress: PartitionProgress,
    epoch: number,
  ): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    const isCurrent = (): boolean =>
      isRunning() && !isStale() && !this.#stopping && owned.epoch === epoch && progress === owned.progress;
    if (!isCurrent()) return;
    // kafkajs does not type it, but every Batch carries the offset its fetch started from.
    const fetchedOffset = (batch as unknown as { fetchedOffset?: unknown }).fetchedOffset;
    if (typeof fetchedOffset !== 'string' || !progress.fetchIsContiguous(BigInt(fetchedOffset))) {
      // Fetched from beyond `next` (or from an unknown position): records may be missing in between.
      this.#log.warn('dropped a batch fetched out of sequence; seeking back', {
        route: this.route.name,
        topic: batch.topic,
        partition: batch.partition,
        fetchedOffset: String(fetchedOffset),
        next: progress.next.toString(),
      });
      // Kafka answers a fetch below the log start with OffsetOutOfRange, and kafkajs then jumps
      // to the earliest offset: when that is why, the records before it are gone for good.
      if (typeof fetchedOffset === 'string' && (await this.#skipDeletedRecords(owned, progress))) return;
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: progress.next.toString() });
      return;
    }

    let pending: OutgoingMessage[] = [];
    let pendingBytes = 0;
    let position = progress.next;
    let reread = 0;
    const control: SendControl = {
      isCurrent,
      keepAlive: heartbeat,
      signal: this.#abort.signal,
      report: (problem) => {
        owned.lastError = problem.message;
      },
    };
    // Sends under way, oldest first. A send starts while others run only when it shares no
    // message group with them (same-group messages never in two concurrent sends); results are
    // taken in order, so `next` only moves over a contiguous run of accepted sends.
    const outstanding: {
      readonly messages: OutgoingMessage[];
      readonly groups: Set<string>;
      readonly done: Promise<void>;
    }[] = [];
    let outstandingCount = 0;
    const settleOldest = async (): Promise<void> => {
      const oldest = outstanding[0];
      if (oldest === undefined) return;
      await oldest.done;
      outstanding.shift();
      outstandingCount -= oldest.messages.length;
      for (const message of oldest.messages) {
        const from = progress.forwarded(message.offset);
        if (from !== message.from) {
          throw new PollerError(
            this.route.name,
            `${batch.topic}/${batch.partition}: offset ${message.offset} was sent with from ${message.from} but the position was ${from}`,
          );
        }
      }
      owned.forwardedCount += oldest.messages.length;
      owned.lastError = undefined;
      resolveOffset((oldest.messages[oldest.messages.length - 1] as OutgoingMessage).offset.toString());
      await heartbeat();
    };
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const sending = pending;
      pending = [];
      pendingBytes = 0;
      const groups = new Set(sending.map((message) => message.groupId));
      while (
        outstanding.length >= MAX_CONCURRENT_SENDS ||
        outstanding.some((running) => [...groups].some((group) => running.groups.has(group)))
      ) {
        await settleOldest();
      }
      const done = this.#sender.send(sending, control);
      // Awaited in order by settleOldest (or at the end); this only keeps a rejection from being unhandled meanwhile.
      done.catch(ignore);
      outstanding.push({ messages: sending, groups, done });
      outstandingCount += sending.length;
    };
    const settleAll = async (): Promise<void> => {
      while (outstanding.length > 0) await settleOldest();
    };

    try {
      for (const record of batch.messages) {
        if (!isCurrent()) break;
        const offset = BigInt(record.offset);
        if (offset < position) {
          reread++; // a re-read of something already forwarded: dropped (I3)
          continue;
        }
        if (progress.inFlight + outstandingCount + pending.length >= this.route.maxInFlight) {
          await flush();
          this.#pause(consumer, owned, 'in-flight');
          break;
        }
        if (
          owned.bucket !== undefined &&
          !(await this.#takeToken(owned.bucket, flush, heartbeat, isCurrent))
        ) {
          if (isCurrent()) this.#pauseForRate(consumer, owned, epoch);
          break;
        }
        const message = await this.#prepare(batch.topic, batch.partition, record, offset, position, control);
        if (!fitsBatch(pending, pendingBytes, message)) await flush();
        if (!isCurrent()) break;
        pending.push(message);
        pendingBytes += message.bytes;
        position = offset + 1n;
      }
      if (isCurrent()) await flush();
      await settleAll();
      // A batch of nothing but re-reads resolved no offset, so kafkajs would fetch it again and again.
      if (reread === batch.messages.length && reread > 0 && isCurrent()) {
        consumer.seek({ topic: batch.topic, partition: batch.partition, offset: progress.next.toString() });
      }
    } catch (error) {
      // No send of this batch may outlive it: repositioning waits for `busy` and then trusts `next`.
      await Promise.allSettled(outstanding.map((running) => running.done));
      if (error instanceof SupersededError) return;
      owned.lastError = messageOf(error);
      throw error;
    }
  }

  /**
   * When `next` is below the partition's log start (retention or deleteRecords removed records
   * before they were forwarded), nothing can bring them back: the loss is logged as an error,
   * the progress group is moved to the log start (or the commit chain would wait forever for
   * records that no longer exist), and forwarding goes on from there. True when it did that.
   */
  async #skipDeletedRecords(owned: Owned, progress: PartitionProgress): Promise<boolean> {
    const { topic, partition } = owned;
    const low = (await this.#offsets.watermarks(topic)).get(partition)?.low;
    if (low === undefined || low <= progress.next || owned.progress !== progress) return false;
    const group = progressGroupId(this.route);
    const committed = (await this.#offsets.committed(group, topic)).get(partition);
    if (committed === undefined || committed < low)
      await this.#offsets.commit(group, topic, new Map([[partition, low]]));
    this.#log.error(
      'records were deleted from Kafka before they were forwarded; going on from the log start',
      {
        route: this.route.name,
        topic,
        partition,
        lostFrom: progress.next.toString(),
        lostTo: (low - 1n).toString(),
        lost: (low - progress.next).toString(),
      },
    );
    owned.lost += low - progress.next;
    owned.progress = new PartitionProgress(topic, partition, low);
    owned.epoch++;
    this.#consumer?.seek({ topic, partition, offset: low.toString() });
    return true;
  }

  /**
   * Takes a token, waiting for it in place when it is due soon: pausing costs a fetch round
   * (kafkajs sleeps up to maxWaitTimeInMs while everything is paused), more than a short wait.
   * Records already prepared are sent before a wait long enough to matter. False when the token
   * is further away (the caller pauses the partition) or the work was abandoned meanwhile.
   */
  async #takeToken(
    bucket: TokenBucket,
    flush: () => Promise<void>,
    heartbeat: () => Promise<void>,
    isCurrent: () => boolean,
  ): Promise<boolean> {
    while (!bucket.tryTake(1)) {
      const waitMs = bucket.msUntil(1);
      await (waitMs >= FLUSH_BEFORE_WAIT_MS ? flush() : Promise.resolve());
      if (waitMs > INLINE_RATE_WAIT_MS) return false;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      await heartbeat();
      if (!isCurrent()) return false;
    }
    return true;
  }

  #pauseForRate(consumer: Consumer, owned: Owned, epoch: number): void {
    const bucket = owned.bucket;
    if (bucket === undefined) return;
    this.#pause(consumer, owned, 'rate');
    clearTimeout(owned.rateTimer);
    owned.rateTimer = setTimeout(
      () => {
        if (owned.epoch === epoch && !this.#stopping) this.#unpause(consumer, owned, 'rate');
      },
      Math.max(1, bucket.msUntil(1)),
    );
  }

  /**
   * The SQS message of one record. Its value goes to S3 first when it does not fit SQS (value
   * claim check); when key and headers alone leave no room, the whole record does (record claim
   * check), so no record is too large to forward. Group and deduplication ids come from the
   * real key and coordinates either way, so per-key order holds.
   */
  async #prepare(
    topic: string,
    partition: number,
    record: KafkaMessage,
    offset: bigint,
    from: bigint,
    control: SendControl,
  ): Promise<OutgoingMessage> {
    const ref = { route: this.route.name, topic, partition, offset: offset.toString() };
    const head: Omit<Envelope, 'value'> = {
      ...ref,
      from: from.toString(),
      timestamp: record.timestamp === '' ? '-1' : record.timestamp,
      key: record.key,
      headers: envelopeHeaders(record),
    };
    const inline: EnvelopeValue = record.value === null ? null : { inline: record.value };
    let envelope: Envelope = { ...head, value: inline };
    if (!clearlyFits(record, head.headers)) {
      const store = this.#payloads;
      // Only the pointer's length counts: the SHA-256's base64 is always 44 characters.
      const valuePointer: S3Pointer = {
        bucket: store?.bucket ?? 'unconfigured',
        key: store?.objectKey(ref) ?? 'unconfigured',
        size: record.value?.byteLength ?? 0,
        sha256: PLACEHOLDER_SHA256,
      };
      const where = placement(head, record.value, valuePointer);
      if (where !== 'inline' && store === undefined) {
        throw new PollerError(
          this.route.name,
          `${topic}/${partition}/${offset}: the record (value ${record.value?.byteLength ?? 0} bytes, key ${record.key?.byteLength ?? 0} bytes, ${head.headers.length} headers) does not fit SQS and no payload bucket is configured`,
        );
      }
      if (where === 's3' && store !== undefined && record.value !== null) {
        envelope = {
          ...head,
          value: { s3: await this.#store(store, ref, record.value, 'value', control) },
        };
      } else if (where === 'record' && store !== undefined) {
        const object = encodeRecordObject({ key: head.key, headers: head.headers, value: record.value });
        const pointer = await this.#store(store, ref, object, 'record', control);
        envelope = { ...head, key: null, headers: [], value: { record: pointer } };
      }
    }
    const body = encodeEnvelope(envelope);
    return {
      id: ref.offset,
      groupId: messageGroupId({
        key: record.key,
        partition,
        offset: ref.offset,
        ordering: this.route.ordering,
      }),
      deduplicationId: deduplicationId(ref),
      body,
      bytes: Buffer.byteLength(body),
      offset,
      from,
      record: `${ref.route}/${topic}/${partition}/${ref.offset}`,
    };
  }

  /** Stores a claim check in S3, retrying like a send: the record cannot be skipped, so it waits. */
  async #store(
    store: PayloadStore,
    ref: RecordRef,
    bytes: Buffer,
    kind: ClaimKind,
    control: SendControl,
  ): Promise<S3Pointer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await store.put(ref, bytes, control.signal, kind);
      } catch (error) {
        if (!control.isCurrent() || control.signal?.aborted) throw new SupersededError('claim check upload');
        const retryable = error instanceof PollerError && error.retryable;
        const waitMs = backoffMs(Math.min(attempt, 20), retryable ? STORE_TRANSIENT : STORE_PERMANENT);
        this.#log.error('claim check upload failed; retrying', {
          route: this.route.name,
          record: `${ref.topic}/${ref.partition}/${ref.offset}`,
          error: messageOf(error),
          attempt,
          waitMs,
        });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        await control.keepAlive();
      }
    }
  }

  #sendProblem(problem: SendProblem): void {
    const details = {
      route: this.route.name,
      kind: problem.kind,
      attempt: problem.attempt,
      waitMs: problem.waitMs,
      error: problem.message,
    };
    if (problem.kind === 'throttled') this.#log.warn('SQS send failed; retrying', details);
    else this.#log.error('SQS send failed; retrying', details);
  }
}
