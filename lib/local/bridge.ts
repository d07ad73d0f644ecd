import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import { Archive } from '../archive/archive.ts';
import { asComponent } from '../aws/call-recorder.ts';
import { Committer, type PartitionCommit } from '../commit/committer.ts';
import { CommitLease } from '../commit/lease.ts';
import { commitRoutes, routesOfStreamEvent } from '../commit/run.ts';
import { Ledger } from '../completion/ledger.ts';
import { CompletionStore } from '../completion/store.ts';
import type { Route } from '../config/index.ts';
import { createRegistryClients } from '../decode/index.ts';
import { deliverBatch } from '../deliver/batch.ts';
import { createDeliverer } from '../deliver/create.ts';
import { DeadLetterEvents } from '../deliver/dead-letter-events.ts';
import { DeadLetterTopic, deadLetterProducer } from '../deliver/dead-letter-topic.ts';
import type { DeliverLogger } from '../deliver/observability.ts';
import { RedriveConsumer } from '../deliver/redrive.ts';
import { KafkaOffsets } from '../kafka/offsets.ts';
import { RoutePoller, type RouteStatus } from '../poller/index.ts';
import type { BridgeProducer } from '../producer/producer.ts';
import { QuarantineStore } from '../quarantine/quarantine.ts';
import { ENV } from '../runtime/contract.ts';
import type { LocalClients } from './clients.ts';
import { MetricCounters } from './counters.ts';
import { LocalPollerMetrics } from './poller-metrics.ts';
import type { Provisioned, RouteResources } from './provision.ts';
import { FunctionTriggers, type TriggerWorld } from './triggers.ts';
import { functionWiring, localEnvironment, wiringKey } from './wiring.ts';

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
  /** How often the pollers' metrics go to the emulator's CloudWatch (lib/local/poller-metrics.ts). Default 5 s. */
  readonly metricsIntervalMs?: number;
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
  readonly deliver: FunctionTriggers;
  readonly redrive: FunctionTriggers;
  readonly counters: MetricCounters;
  partitions: readonly PartitionCommit[];
  /** The poller's last status that had partitions: a stopped poller owns none, but the totals stay meaningful. */
  lastPollerStatus: RouteStatus | undefined;
}

/**
 * The whole bridge in one process against the local broker and emulators: per route the
 * poller (as on Fargate), the deliverer behind the local SQS event source on the route's queue
 * (as the Lambda), the redrive consumer on the redrive queue forwarding to the DLQ (as the DLQ
 * Lambda), and the commit function's logic on the completions table's stream and its schedule.
 * Every trigger, batch size, concurrency, timeout and queue attribute is the synthesized
 * template's (provisioned.wiring, lib/local/triggers.ts). The same library code as deployed;
 * the functions run in this process.
 */
export class LocalBridge {
  readonly #o: LocalBridgeOptions;
  readonly #routes: RunningRoute[] = [];
  readonly #metrics: LocalPollerMetrics;
  readonly #offsets: KafkaOffsets;
  readonly #committer: Committer;
  readonly #instrument: InvocationHook;
  readonly #commit: FunctionTriggers;
  /** The failure topics' writer (routes with deadLetter.kafkaTopic), on the bridge's client. */
  #producer: BridgeProducer | undefined;
  #committing: Promise<void> = Promise.resolve();
  #started = false;
  #stopped = false;

  constructor(options: LocalBridgeOptions) {
    this.#o = options;
    this.#metrics = new LocalPollerMetrics(
      options.clients.cloudwatch,
      () => this.#routes.map((r) => r.poller.status()),
      (error) => options.log.warn('poller metrics not put into CloudWatch', { error: messageOf(error) }),
    );
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
    // Decoding routes share one schema cache per registry; Glue is moto's (clients.glue).
    const registries = createRegistryClients({ glueClient: () => clients.glue });
    const eventsUrl = options.deadLetterEventsQueueUrl;
    const events =
      eventsUrl === undefined ? {} : { deadLetterEvents: new DeadLetterEvents(clients.sqs, eventsUrl) };
    const { wiring } = provisioned;
    const queues = new Map<string, { url: string; arn: string }>();
    for (const r of provisioned.routes.values()) {
      queues.set(wiringKey('queue', r.route.name), r.queue);
      queues.set(wiringKey('redrive', r.route.name), r.redriveQueue);
      queues.set(wiringKey('dead-letter', r.route.name), r.deadLetterQueue);
    }
    const world: TriggerWorld = {
      sqs: clients.sqs,
      streams: clients.streams,
      tableName: provisioned.tableName,
      queue: (key) => {
        const queue = queues.get(key);
        if (queue === undefined) throw new Error(`LocalBridge: queue ${key} was not provisioned`);
        return queue;
      },
    };
    const envOf = (key: string) =>
      localEnvironment(functionWiring(wiring, key), {
        queueUrl: (queue) => (queue === wiringKey('dead-letter-events') ? eventsUrl : world.queue(queue).url),
        bucket: provisioned.bucket,
        table: provisioned.tableName,
      });
    for (const route of options.routes) {
      const resources = provisioned.routes.get(route.name);
      if (resources === undefined) {
        throw new Error(
          `LocalBridge: route ${route.name} was not provisioned (call provision() with it first)`,
        );
      }
      const counters = new MetricCounters();
      // Each function is built from the environment its template sets, resolved locally.
      const deliverEnv = envOf(wiringKey('deliver', route.name));
      const redriveEnv = envOf(wiringKey('dead-letter', route.name));
      const deliverer = createDeliverer({
        route,
        queueUrl: need(deliverEnv, ENV.queueUrl),
        deadLetterQueueUrl: need(deliverEnv, ENV.deadLetterQueueUrl),
        bucket: need(deliverEnv, ENV.bucket),
        completionTable: need(deliverEnv, ENV.completionTable),
        clients,
        metrics: counters,
        logger: deliverLog,
        ...(eventsUrl === undefined
          ? {}
          : { deadLetterEventsQueueUrl: need(deliverEnv, ENV.deadLetterEventsQueueUrl) }),
      });
      const redriveConsumer = new RedriveConsumer({
        route,
        archive: new Archive(clients.s3, provisioned.bucket),
        completions,
        ledger,
        quarantine: new QuarantineStore(clients.dynamo, provisioned.tableName),
        sqs: clients.sqs,
        forwardQueueUrl: need(redriveEnv, ENV.forwardQueueUrl),
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
          registries,
          progressPollMs: options.progressPollMs ?? 500,
          // One poller per route locally: a short session lets a restarted run take its
          // partitions back sooner from the member a killed run left behind.
          sessionTimeoutMs: 10_000,
          rebalanceTimeoutMs: 10_000,
          log: options.log,
          onFatal: (error) => options.onFatal?.(error),
        }),
        deliver: new FunctionTriggers(
          wiring,
          wiringKey('deliver', route.name),
          world,
          {
            sqs: (event: SQSEvent, context: Context) =>
              instrument('deliver', event.Records, () =>
                deliverBatch(event, context, deliverer, { sqs: clients.sqs, queueUrl: resources.queue.url }),
              ),
          },
          onError('deliver batch'),
          {
            environment: deliverEnv,
            ...(options.deliverInvocations === undefined ? {} : { concurrency: options.deliverInvocations }),
          },
        ),
        redrive: new FunctionTriggers(
          wiring,
          wiringKey('dead-letter', route.name),
          world,
          {
            sqs: (event: SQSEvent, context: Context) =>
              instrument('redrive', event.Records, () => redriveBatch(event, context, redriveConsumer)),
          },
          onError('redrive batch'),
          { environment: redriveEnv },
        ),
      });
    }
    // The commit function: the table's stream and the schedule, one invocation at a time
    // (its reserved concurrency), each run committing the routes its trigger names.
    const commit = (routes: () => readonly Route[]) => () =>
      (this.#committing = this.#commitOnce(routes()).catch((error: unknown) => {
        // The next run starts again from Kafka's offsets, as the deployed function does after a failure.
        this.#o.log.warn('commit run failed; the next trigger retries', { error: messageOf(error) });
        throw error;
      }));
    const ours = () => this.#routes.map((r) => r.resources.route);
    this.#commit = new FunctionTriggers(
      wiring,
      wiringKey('commit'),
      world,
      {
        stream: (event: DynamoDBStreamEvent) => commit(() => routesOfStreamEvent(ours(), event))(),
        schedule: () => commit(ours)(),
      },
      // A run's own failures (AggregateError) are logged above; what else fails (the stream
      // reader, a timeout, a dropped batch) must not pass silently: it looks like slow commits.
      (error) => {
        if (!(error instanceof AggregateError))
          this.#o.log.warn('commit trigger failed', { error: messageOf(error) });
      },
      { environment: envOf(wiringKey('commit')) },
    );
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
        await asComponent({ component: 'deliverer', route }, () => running.deliver.start());
        await asComponent({ component: 'dlq', route }, () => running.redrive.start());
        await asComponent({ component: 'poller' }, () => running.poller.start());
      }
      await asComponent({ component: 'commit' }, () => this.#commit.start());
      this.#metrics.start(this.#o.metricsIntervalMs);
    } catch (error) {
      // Consumers that joined their group and running event sources must not outlive the failure.
      await this.stop().catch((stopError: unknown) => {
        throw new AggregateError([error, stopError], 'local bridge failed to start, and to stop after that');
      });
      throw error;
    }
  }

  /** What each function runs with, as this bridge configured it (test/e2e/local-wiring.test.ts). */
  configured() {
    return [...this.#routes.flatMap((r) => [r.deliver, r.redrive]), this.#commit].map((t) => t.describe());
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
    const problems: unknown[] = [];
    const settle = async (results: Promise<PromiseSettledResult<unknown>[]>) => {
      for (const result of await results) if (result.status === 'rejected') problems.push(result.reason);
    };
    await this.#metrics.stop(); // what the pollers filtered and forwarded since the last interval
    await settle(Promise.allSettled(this.#routes.map((r) => r.poller.stop())));
    await settle(Promise.allSettled(this.#routes.flatMap((r) => [r.deliver.stop(), r.redrive.stop()])));
    await this.#commit.stop();
    await settle(Promise.allSettled([this.#producer?.close()]));
    await this.#committing.catch(() => undefined);
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
    await this.#committing.catch(() => undefined);
    const run = this.#commitOnce(this.#routes.map((r) => r.resources.route));
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

  async #commitOnce(routes: readonly Route[]): Promise<void> {
    if (routes.length === 0) return;
    const { results, failures } = await asComponent({ component: 'commit' }, () =>
      this.#instrument('commit', [], () => commitRoutes(this.#committer, routes)),
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

/** A variable the template sets on the function; its absence fails naming it. */
function need(environment: Readonly<Record<string, string>>, name: string): string {
  const value = environment[name];
  if (value === undefined) throw new Error(`LocalBridge: the template sets no ${name} here`);
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
