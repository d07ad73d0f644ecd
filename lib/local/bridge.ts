import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import { Archive } from '../archive/archive.ts';
import { asComponent } from '../aws/call-recorder.ts';
import { Committer, type PartitionCommit } from '../commit/committer.ts';
import { CommitLease } from '../commit/lease.ts';
import { commitRoutes } from '../commit/run.ts';
import { Ledger } from '../completion/ledger.ts';
import { CompletionStore } from '../completion/store.ts';
import { deliverConcurrency, type Route } from '../config/index.ts';
import { deliverBatch } from '../deliver/batch.ts';
import { createDeliverer } from '../deliver/create.ts';
import { DeadLetterEvents } from '../deliver/dead-letter-events.ts';
import {
  DeadLetterTopic,
  deadLetterProducer,
  deliverersDeadLetterQueue,
} from '../deliver/dead-letter-topic.ts';
import type { DeliverLogger } from '../deliver/observability.ts';
import { RedriveConsumer } from '../deliver/redrive.ts';
import { KafkaOffsets } from '../kafka/offsets.ts';
import { RoutePoller, type RouteStatus } from '../poller/index.ts';
import type { BridgeProducer } from '../producer/producer.ts';
import { QuarantineStore } from '../quarantine/quarantine.ts';
import type { LocalClients } from './clients.ts';
import { MetricCounters } from './counters.ts';
import { LocalEventSource } from './event-source.ts';
import type { Provisioned, RouteResources } from './provision.ts';

/** Where local mode's parts log: warnings and errors always, info when asked for. */
export interface LocalLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface LocalBridgeOptions {
  readonly routes: readonly Route[];
  readonly clients: LocalClients;
  readonly provisioned: Provisioned;
  readonly kafka: Kafka;
  /** The commit logic's own client (deployed, it is another process); default `kafka`. */
  readonly commitKafka?: Kafka;
  /** The DLQ consumer's own client for failure topics (deployed, it is another function); default `kafka`. */
  readonly deadLetterKafka?: Kafka;
  readonly log: LocalLog;
  /** How often the commit function runs (the deployed one runs on the table's stream). Default 1000. */
  readonly commitIntervalMs?: number;
  /** How often the poller reads the progress group (backpressure). Default 500. */
  readonly progressPollMs?: number;
  /** Called when a route's poller cannot go on; local mode should stop and say so. */
  readonly onFatal?: (error: Error) => void;
  /**
   * Wraps each run of a function's logic (a deliver or redrive batch, a commit run), for
   * benchmarks that time the invocations and attribute the AWS calls they make (bench/cost.ts).
   */
  readonly instrument?: InvocationHook;
  /**
   * The notifier's dead-letter events queue: when given, the deliverer and the redrive consumer
   * announce each dead letter there, as deployed. Local mode runs no notifier, so none by default.
   */
  readonly deadLetterEventsQueueUrl?: string;
  /**
   * Deliver invocations at once per route, instead of the stack's (deliverConcurrency): the cost
   * benchmark runs one at a time so each invocation's timing is its own.
   */
  readonly deliverInvocations?: number;
}

/** The functions that run as Lambda when deployed. */
export type BridgeFunctionName = 'deliver' | 'redrive' | 'commit';

/** Runs `invoke` (one invocation's work) and returns what it returns; `records` is the batch, if any. */
export type InvocationHook = <T>(
  fn: BridgeFunctionName,
  records: readonly SQSRecord[],
  invoke: () => Promise<T>,
) => Promise<T>;

const uninstrumented: InvocationHook = (_fn, _records, invoke) => invoke();

/** One route's state for a progress display. */
export interface RouteProgress {
  readonly route: string;
  readonly poller: RouteStatus;
  readonly counters: MetricCounters;
  /** Per partition, from the latest commit run (empty before the first). */
  readonly partitions: readonly PartitionCommit[];
}

interface RunningRoute {
  readonly resources: RouteResources;
  readonly poller: RoutePoller;
  readonly deliver: LocalEventSource;
  readonly redrive: LocalEventSource;
  readonly counters: MetricCounters;
  partitions: readonly PartitionCommit[];
  /** The poller's last status that had partitions: a stopped poller owns none, but the totals stay meaningful. */
  lastPollerStatus: RouteStatus | undefined;
}

/**
 * The whole bridge in one process against the local broker and emulators: per route the
 * poller (as on Fargate), the deliverer behind the local SQS event source on the route's queue
 * (as the Lambda), the redrive consumer on the redrive queue forwarding to the DLQ (as the DLQ
 * Lambda), and the commit function's logic on a timer (instead of the table's stream, which moto
 * serves but would need a stream reader for no gain: the commit walks the table itself).
 * The same library code as deployed; only the wiring differs.
 */
export class LocalBridge {
  readonly #o: LocalBridgeOptions;
  readonly #routes: RunningRoute[] = [];
  readonly #offsets: KafkaOffsets;
  readonly #committer: Committer;
  readonly #instrument: InvocationHook;
  #commitTimer: NodeJS.Timeout | undefined;
  /** The failure topics' writer (routes with deadLetter.kafkaTopic), on the bridge's client. */
  #producer: BridgeProducer | undefined;
  #committing: Promise<void> = Promise.resolve();
  #started = false;
  #stopped = false;

  constructor(options: LocalBridgeOptions) {
    this.#o = options;
    this.#instrument = options.instrument ?? uninstrumented;
    const instrument = this.#instrument;
    const { clients, provisioned } = options;
    this.#offsets = new KafkaOffsets(options.commitKafka ?? options.kafka);
    const completions = new CompletionStore({ client: clients.dynamo, tableName: provisioned.tableName });
    const ledger = new Ledger({ client: clients.dynamo, tableName: provisioned.tableName });
    this.#committer = new Committer({
      ledger,
      offsets: this.#offsets,
      completions,
      lease: new CommitLease(clients.dynamo, provisioned.tableName),
      owner: `local-${process.pid}`,
    });
    const deliverLog = this.#deliverLogger();
    const eventsUrl = options.deadLetterEventsQueueUrl;
    const events =
      eventsUrl === undefined ? {} : { deadLetterEvents: new DeadLetterEvents(clients.sqs, eventsUrl) };
    for (const route of options.routes) {
      const resources = provisioned.routes.get(route.name);
      if (resources === undefined) {
        throw new Error(
          `LocalBridge: route ${route.name} was not provisioned (call provision() with it first)`,
        );
      }
      const counters = new MetricCounters();
      const deliverer = createDeliverer({
        route,
        queueUrl: resources.queue.url,
        deadLetterQueueUrl: deliverersDeadLetterQueue(route, {
          deadLetter: resources.deadLetterQueue,
          redrive: resources.redriveQueue,
        }).url,
        bucket: provisioned.bucket,
        completionTable: provisioned.tableName,
        clients,
        metrics: counters,
        logger: deliverLog,
        ...(eventsUrl === undefined ? {} : { deadLetterEventsQueueUrl: eventsUrl }),
      });
      const redriveConsumer = new RedriveConsumer({
        route,
        archive: new Archive(clients.s3, provisioned.bucket),
        completions,
        ledger,
        quarantine: new QuarantineStore(clients.dynamo, provisioned.tableName),
        sqs: clients.sqs,
        forwardQueueUrl: resources.deadLetterQueue.url,
        ...events,
        ...this.#deadLetterTopic(route),
        metrics: counters,
        logger: deliverLog,
      });
      const onError = (what: string) => (error: unknown) =>
        options.log.warn(`${what} failed; the messages come back after their visibility timeout`, {
          route: route.name,
          error: messageOf(error),
        });
      this.#routes.push({
        resources,
        counters,
        partitions: [],
        lastPollerStatus: undefined,
        poller: new RoutePoller({
          route,
          kafka: options.kafka,
          sqs: clients.sqs,
          s3: clients.s3,
          queueUrl: resources.queue.url,
          payloadBucket: provisioned.bucket,
          progressPollMs: options.progressPollMs ?? 500,
          // One poller per route locally: a short session lets a restarted run take its
          // partitions back sooner from the member a killed run left behind.
          sessionTimeoutMs: 10_000,
          rebalanceTimeoutMs: 10_000,
          log: options.log,
          onFatal: (error) => options.onFatal?.(error),
        }),
        deliver: new LocalEventSource({
          sqs: clients.sqs,
          queueUrl: resources.queue.url,
          queueArn: resources.queue.arn,
          handler: (event: SQSEvent, context: Context) =>
            instrument('deliver', event.Records, () =>
              deliverBatch(event, context, deliverer, { sqs: clients.sqs, queueUrl: resources.queue.url }),
            ),
          concurrency: options.deliverInvocations ?? deliverConcurrency(route).invocations,
          functionTimeoutMs: resources.deliverTimeoutMs,
          onError: onError('deliver batch'),
        }),
        redrive: new LocalEventSource({
          sqs: clients.sqs,
          queueUrl: resources.redriveQueue.url,
          queueArn: resources.redriveQueue.arn,
          handler: (event: SQSEvent, context: Context) =>
            instrument('redrive', event.Records, () => redriveBatch(event, context, redriveConsumer)),
          concurrency: 1,
          functionTimeoutMs: 60_000,
          onError: onError('redrive batch'),
        }),
      });
    }
  }

  /** Starts every route's consumers first, then its poller, then the commit loop. */
  /** Starts every route; if any part fails to start, stops what did start before rethrowing. */
  async start(): Promise<void> {
    if (this.#started) throw new Error('LocalBridge: already started');
    this.#started = true;
    try {
      await this.#offsets.connect();
      // Each part runs as the component it is when deployed, so recorded AWS calls name its role.
      for (const running of this.#routes) {
        const route = running.resources.route.name;
        asComponent({ component: 'deliverer', route }, () => running.deliver.start());
        asComponent({ component: 'dlq', route }, () => running.redrive.start());
        await asComponent({ component: 'poller' }, () => running.poller.start());
      }
    } catch (error) {
      // Consumers that joined their group and running event sources must not outlive the failure.
      await this.stop().catch((stopError: unknown) => {
        throw new AggregateError([error, stopError], 'local bridge failed to start, and to stop after that');
      });
      throw error;
    }
    this.#scheduleCommit();
  }

  /**
   * Graceful stop, in the order that loses nothing: pollers first (no new messages), then the
   * event sources finish the batches they hold, then one last commit so the progress group shows
   * everything finished. What is still queued stays in SQS for the next run.
   */
  /** The DLQ consumer's failure topic, as functions/dlq.ts makes it. */
  #deadLetterTopic(route: Route): { deadLetterTopic?: DeadLetterTopic } {
    if (route.deadLetter === undefined) return {};
    this.#producer ??= deadLetterProducer({ client: this.#o.deadLetterKafka ?? this.#o.kafka });
    return {
      deadLetterTopic: new DeadLetterTopic(route.deadLetter.kafkaTopic, this.#producer, this.#o.clients.s3),
    };
  }

  async stop(): Promise<void> {
    if (!this.#started || this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#commitTimer);
    const problems: unknown[] = [];
    const settle = async (results: Promise<PromiseSettledResult<unknown>[]>) => {
      for (const result of await results) if (result.status === 'rejected') problems.push(result.reason);
    };
    await settle(Promise.allSettled(this.#routes.map((r) => r.poller.stop())));
    await settle(Promise.allSettled(this.#routes.flatMap((r) => [r.deliver.stop(), r.redrive.stop()])));
    await settle(Promise.allSettled([this.#producer?.close()]));
    await this.#committing;
    try {
      await this.commitNow();
    } catch (error) {
      problems.push(error);
    }
    await this.#offsets.disconnect();
    if (problems.length > 0) throw new AggregateError(problems, 'local bridge did not stop cleanly');
  }

  /** Runs the commit function's logic once for every route; throws when a route failed. */
  async commitNow(): Promise<void> {
    const run = this.#commitOnce();
    this.#committing = run.catch(() => undefined);
    await run;
  }

  progress(): RouteProgress[] {
    return this.#routes.map((r) => {
      const status = r.poller.status();
      if (status.partitions.length > 0) r.lastPollerStatus = status;
      return {
        route: r.resources.route.name,
        poller:
          status.partitions.length === 0 && r.lastPollerStatus !== undefined ? r.lastPollerStatus : status,
        counters: r.counters,
        partitions: r.partitions,
      };
    });
  }

  async #commitOnce(): Promise<void> {
    const { results, failures } = await asComponent({ component: 'commit' }, () =>
      this.#instrument('commit', [], () =>
        commitRoutes(
          this.#committer,
          this.#routes.map((r) => r.resources.route),
        ),
      ),
    );
    for (const result of results) {
      if (result.status !== 'committed') continue;
      const running = this.#routes.find((r) => r.resources.route.name === result.route);
      if (running !== undefined) running.partitions = result.partitions;
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures.map((f) => f.error),
        `commit failed for route(s) ${failures.map((f) => `${f.route} (${messageOf(f.error)})`).join(', ')}`,
      );
    }
  }

  #scheduleCommit(): void {
    this.#commitTimer = setTimeout(() => {
      this.#committing = this.#commitOnce()
        .catch((error: unknown) => {
          // The next run starts again from Kafka's offsets, as the deployed function does after a failure.
          this.#o.log.warn('commit run failed; retrying on the next tick', { error: messageOf(error) });
        })
        .finally(() => {
          if (!this.#stopped) this.#scheduleCommit();
        });
    }, this.#o.commitIntervalMs ?? 1_000);
  }

  #deliverLogger(): DeliverLogger {
    const log = this.#o.log;
    return {
      info: (message, attributes) => log.info(message, attributes),
      warn: (message, attributes) => log.warn(message, attributes),
      error: (message, attributes) => log.error(message, attributes),
    };
  }
}

/** What functions/dlq.ts does, without its environment: a key's redriven messages in order. */
async function redriveBatch(
  event: SQSEvent,
  context: Context,
  consumer: RedriveConsumer,
): Promise<SQSBatchResponse> {
  return processPartialResponse(
    event,
    (record: SQSRecord) => consumer.process(record),
    new SqsFifoPartialProcessorAsync(),
    { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
