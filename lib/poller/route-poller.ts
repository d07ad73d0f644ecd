/**
 * The poller of one route: moves the route's Kafka records into its SQS FIFO queue, in order,
 * without gaps, at most `maxInFlight` uncommitted records per partition (docs/architecture.md
 * I2, I3, I4, I5, I6). This file holds the consumer's life (start, crash and replacement, stop,
 * status); each batch goes through named parts, each unit-tested with fakes:
 *
 * - assignment.ts: assignment and positioning from the progress group (membership group only
 *   shares the partitions; nothing is committed there), records deleted before forwarding.
 * - backpressure.ts: pause and resume, the in-flight window, the rate limit, the commit past a
 *   filtered tail.
 * - forward.ts: the pipeline per batch, decode -> filter (stages.ts) -> envelope
 *   (envelope-step.ts) -> send plan (send-window.ts) -> send (batch-sender.ts).
 *
 * Partitions run in parallel (kafkajs hands each worker one partition's batch); a key's records
 * come from one partition, so no two concurrent sends hold the same group's ordered records.
 * Memory holds at most one fetched batch per partition and the in-flight offsets.
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { payloadPrefix, type Route } from '../config/index.ts';
import { KafkaOffsets } from '../kafka/offsets.ts';
import { Assignment } from './assignment.ts';
import { Backpressure } from './backpressure.ts';
import { BatchSender, type SendProblem } from './batch-sender.ts';
import { PayloadStore } from './claim-check.ts';
import { consumerConfig, DEFAULT_CONSUMER_RESTARTS, RestartBudget } from './consumer-config.ts';
import { EnvelopeStep } from './envelope-step.ts';
import { PollerError } from './errors.ts';
import { Forwarder } from './forward.ts';
import {
  ignore,
  messageOf,
  NOOP_LOG,
  type Owned,
  type PollerLog,
  partitionKey,
  partitionStatus,
  type RouteStatus,
} from './owned.ts';
import type { RoutePollerOptions } from './route-poller-options.ts';
import { pollerTransport } from './sqs-transport.ts';

export type { ConsumerRestartPolicy } from './consumer-config.ts';
export type { PartitionStatus, PauseReason, PollerLog, RouteStatus } from './owned.ts';
export type { RoutePollerOptions } from './route-poller-options.ts';

const DEFAULT_PROGRESS_POLL_MS = 1_000;

export class RoutePoller {
  readonly route: Route;
  readonly #kafka: Kafka;
  readonly #offsets: KafkaOffsets;
  readonly #log: PollerLog;
  readonly #onFatal: (error: Error) => void;
  readonly #progressPollMs: number;
  readonly #consumerConfig: ConsumerConfig;
  readonly #restarts: RestartBudget;
  #replacing = false;
  /** A crash of the consumer being started by #replaceConsumer, which then tries again. */
  #crashedWhileReplacing: Error | undefined;
  readonly #owned = new Map<string, Owned>();
  readonly #abort = new AbortController();
  readonly #backpressure: Backpressure;
  readonly #assignment: Assignment;
  readonly #forwarder: Forwarder;
  #consumer: Consumer | undefined;
  #running = false;
  #stopping = false;
  #progressTimer: NodeJS.Timeout | undefined;

  constructor(options: RoutePollerOptions) {
    this.route = options.route;
    this.#kafka = options.kafka;
    this.#offsets = new KafkaOffsets(options.kafka);
    this.#log = options.log ?? NOOP_LOG;
    this.#onFatal =
      options.onFatal ?? ((error) => this.#log.error('poller failed', { error: error.message }));
    this.#progressPollMs = options.progressPollMs ?? DEFAULT_PROGRESS_POLL_MS;
    this.#consumerConfig = consumerConfig(options.route, {
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
    });
    this.#restarts = new RestartBudget(options.consumerRestarts ?? DEFAULT_CONSUMER_RESTARTS);
    const sender = new BatchSender({
      sqs: options.sqs,
      transport: options.transport ?? pollerTransport(options.sqs, options.sendPath),
      queueUrl: options.queueUrl,
      onProblem: (problem) => this.#sendProblem(problem),
    });
    const payloads =
      options.payloadBucket === undefined
        ? undefined
        : new PayloadStore(options.s3, options.payloadBucket, payloadPrefix(options.route));
    const shared = { route: this.route, owned: this.#owned, offsets: this.#offsets, log: this.#log };
    const isStopping = (): boolean => this.#stopping;
    this.#backpressure = new Backpressure({ ...shared, isStopping });
    this.#assignment = new Assignment({
      ...shared,
      backpressure: this.#backpressure,
      isActive: () => this.#running && !this.#stopping,
    });
    this.#forwarder = new Forwarder({
      route: this.route,
      stages: options.stages ?? {},
      envelope: new EnvelopeStep({ route: this.route, payloads, log: this.#log }),
      send: (messages, control) => sender.send(messages, control),
      backpressure: this.#backpressure,
      assignment: this.#assignment,
      log: this.#log,
      signal: this.#abort.signal,
      isStopping,
    });
  }

  /** Joins the membership group and starts forwarding; resolves once the consumer runs. */
  async start(): Promise<void> {
    if (this.#running) throw new PollerError(this.route.name, 'start: already started');
    this.#running = true;
    await this.#offsets.connect();
    await this.#startConsumer();
    this.#progressTimer = setInterval(
      () => void this.#backpressure.pollProgress(this.#consumer),
      this.#progressPollMs,
    );
    this.#progressTimer.unref();
  }

  async #startConsumer(): Promise<void> {
    const consumer = this.#kafka.consumer(this.#consumerConfig);
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => void this.#assignment.onJoin(consumer, event));
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
    for (let attempt = 0; ; attempt++) {
      const budget = this.#restarts.take(Date.now(), attempt);
      if ('exhausted' in budget) {
        this.#onFatal(
          new PollerError(
            this.route.name,
            `kafka consumer stopped ${budget.exhausted} times within ${this.#restarts.windowMs} ms: ${messageOf(cause)}`,
            { cause },
          ),
        );
        return;
      }
      const { waitMs } = budget;
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
    for (const owned of this.#owned.values()) clearTimeout(owned.pauseTimer);
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
      memberId: this.#assignment.memberId,
      partitions: [...this.#owned.values()]
        .map(partitionStatus)
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    };
  }

  /** Each batch waits for the partition's previous work (`busy`), then goes through the Forwarder. */
  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const owned = this.#owned.get(partitionKey(batch.topic, batch.partition));
    // Not positioned, paused or not ours (any more): the records are fetched again after the seek.
    if (owned?.progress === undefined || owned.paused.size > 0 || this.#stopping) return;
    const epoch = owned.epoch;
    const work = owned.busy.then(async () => {
      const { progress } = owned;
      const consumer = this.#consumer;
      if (progress === undefined || consumer === undefined) return;
      await this.#forwarder.forward(consumer, payload, owned, progress, epoch);
    });
    // `busy` only orders work; the error itself reaches kafkajs through `await work` below.
    owned.busy = work.then(ignore, ignore);
    await work;
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
