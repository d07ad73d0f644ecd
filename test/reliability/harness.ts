// One route of the bridge wired for fault tests against the real broker and emulators: the
// deliverer behind the local SQS event source, the redrive consumer, the commit function's logic
// on the table's stream and its schedule (sampling the committed offsets for I4), and the poller
// either in process (sampling its in-flight counts for I6) or as a child process running
// functions/poller.ts (to SIGKILL it). Every trigger, queue attribute and timeout is the
// synthesized template's (lib/local/triggers.ts), as in lib/local/bridge.ts, opened up so a test
// can kill or wrap one part.

import { type ChildProcess, spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Kafka, Message, Producer } from 'kafkajs';
import { Archive } from '../../lib/archive/archive.ts';
import { asComponent } from '../../lib/aws/call-recorder.ts';
import { Committer } from '../../lib/commit/committer.ts';
import { CommitLease } from '../../lib/commit/lease.ts';
import { commitRoutes } from '../../lib/commit/run.ts';
import { decodeRecords } from '../../lib/completion/entry.ts';
import { Ledger } from '../../lib/completion/ledger.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { parseBridgeConfig, type Route } from '../../lib/config/index.ts';
import { deliverBatch } from '../../lib/deliver/batch.ts';
import { createDeliverer } from '../../lib/deliver/create.ts';
import type { DeliverLogger } from '../../lib/deliver/observability.ts';
import { RedriveConsumer } from '../../lib/deliver/redrive.ts';
import {
  type CommitSample,
  checkInvariants,
  type EndpointRequest,
  type InFlightSample,
  type InvariantReport,
  readArchive,
  readOffsets,
  readTopic,
} from '../../lib/invariants/checker.ts';
import { plain } from '../../lib/invariants/recorded.ts';
import { requestValueDigest } from '../../lib/invariants/values.ts';
import { KafkaOffsets } from '../../lib/kafka/offsets.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { MetricCounters } from '../../lib/local/counters.ts';
import { type Provisioned, provision, type RouteResources } from '../../lib/local/provision.ts';
import { FunctionTriggers, type TriggerWorld } from '../../lib/local/triggers.ts';
import { queueWiring, wiringKey } from '../../lib/local/wiring.ts';
import { RoutePoller } from '../../lib/poller/index.ts';
import { QuarantineStore } from '../../lib/quarantine/quarantine.ts';
import { assertReachable, awsEndpoint, uniqueName as awsUniqueName, sqsEndpoint } from '../support/aws.ts';
import {
  type ReceivedRequest,
  type Script,
  type ScriptedResponse,
  statusSeen,
  TestEndpoint,
} from '../support/endpoint.ts';
import { assertInvariants, type InvariantExpectations } from '../support/invariant-asserts.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  kafkaBrokers,
  uniqueName,
} from '../support/kafka.ts';
import { runRecorder } from '../support/metrics/recorder.ts';
import { pollerProcessEnv } from '../support/poller-process.ts';
import { WriteRecorder } from '../support/write-recorder.ts';

/** Why a record of a lost ledger entry was accepted again (the deliverer-crash fault). */
export const LOST_ENTRY =
  "its batch's ledger entry was lost in an injected crash, so the batch was delivered again";

export interface RunOptions {
  readonly partitions: number;
  /** Route fields beyond name, topics and endpoint url (retry, maxInFlight, concurrency, ...). */
  readonly route?: Record<string, unknown>;
  readonly endpointTimeoutMs?: number;
  readonly script?: Script;
}

interface Answer {
  /** The status the deliverer saw; undefined when a fault broke the answer before it (garbage, reset, hang). */
  readonly status: number | undefined;
  readonly note: string | undefined;
  readonly delayMs: number;
}

/** A scripted answer, with why the run expects this request may be repeated later. */
export type NotedResponse = ScriptedResponse & { readonly note?: string };

interface RunParts {
  readonly kafka: Kafka;
  readonly route: Route;
  readonly routeInput: Record<string, unknown>;
  readonly topic: string;
  readonly endpoint: TestEndpoint;
  readonly provisioned: Provisioned;
  readonly resources: RouteResources;
  readonly clients: LocalClients;
}

export class ReliabilityRun {
  readonly kafka: Kafka;
  readonly route: Route;
  readonly routeInput: Record<string, unknown>;
  readonly topic: string;
  readonly endpoint: TestEndpoint;
  readonly provisioned: Provisioned;
  readonly resources: RouteResources;
  readonly commitSamples: CommitSample[] = [];
  readonly inFlightSamples: InFlightSample[] = [];
  readonly problems: string[] = [];
  /** The completions and DLQ sends of this run's consumers, from their own calls (I4, I1). */
  readonly writes: WriteRecorder;
  script: (request: ReceivedRequest) => NotedResponse;
  readonly #clients: LocalClients;
  readonly #answers = new WeakMap<ReceivedRequest, Answer>();
  readonly #offsets: KafkaOffsets;
  #committer: Committer | undefined;
  readonly #children: ChildProcess[] = [];
  readonly #childSamplers = new Map<ChildProcess, NodeJS.Timeout>();
  /** The health port each child poller logged (GET /health shows its partitions). */
  readonly healthPorts = new WeakMap<ChildProcess, number>();
  #deliver: FunctionTriggers | undefined;
  #redrive: FunctionTriggers | undefined;
  #commit: FunctionTriggers | undefined;
  #poller: RoutePoller | undefined;
  #sampleTimer: NodeJS.Timeout | undefined;
  #producer: Producer | undefined;
  #stopped = false;
  #ownClients: LocalClients | undefined;
  #commitClients: LocalClients | undefined;
  /** Records whose completion write an injected crash prevented (partition/offset). */
  readonly crashes: string[] = [];
  /** The records (partition/offset) of the ledger entries an injected crash lost: how many times each. */
  readonly lostEntryRecords = new Map<string, number>();
  readonly #startedAt = Date.now();

  private constructor(init: RunParts) {
    this.kafka = init.kafka;
    this.route = init.route;
    this.routeInput = init.routeInput;
    this.topic = init.topic;
    this.endpoint = init.endpoint;
    this.provisioned = init.provisioned;
    this.resources = init.resources;
    this.#clients = init.clients;
    this.script = () => ({ status: 200, body: 'ok' });
    this.#offsets = new KafkaOffsets(this.kafka);
    this.writes = new WriteRecorder(this.route.name, this.resources.deadLetterQueue.url);
  }

  static async create(clients: LocalClients, options: RunOptions): Promise<ReliabilityRun> {
    const name = uniqueName('rel');
    const topic = uniqueName('rel-topic').replaceAll('.', '-');
    await createTopic(topic, options.partitions);
    const endpoint = await TestEndpoint.start();
    const routeInput: Record<string, unknown> = {
      name,
      topics: [topic],
      endpoint: { type: 'http', url: endpoint.url, timeoutMs: options.endpointTimeoutMs ?? 2_000 },
      retry: { attempts: 8, inProcessAttempts: 2, baseMs: 50, maxMs: 1_000 },
      maxInFlight: 200,
      concurrency: 4,
      ...options.route,
    };
    const config = parseBridgeConfig({ kafka: { brokers: kafkaBrokers() }, routes: [routeInput] });
    const route = config.routes[0];
    if (route === undefined) throw new Error('the reliability config has no route');
    const provisioned = await provision(config, clients, {
      tableName: awsUniqueName('rel-completions'),
      bucket: awsUniqueName('rel-bucket'),
    });
    const resources = provisioned.routes.get(name);
    if (resources === undefined) throw new Error(`route ${name} was not provisioned`);
    const run = new ReliabilityRun({
      kafka: createKafka('reliability'),
      route,
      routeInput,
      topic,
      endpoint,
      provisioned,
      resources,
      clients,
    });
    if (options.script !== undefined) run.script = options.script;
    endpoint.script = (request) => {
      const answer = run.script(request);
      run.#answers.set(request, {
        status: statusSeen(answer),
        note: answer.note,
        delayMs: answer.delayMs ?? 0,
      });
      return answer;
    };
    await run.#offsets.connect();
    return run;
  }

  /** The deliver function as the event source calls it; a test may wrap it to inject crashes. */
  deliverHandler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined> = () =>
    Promise.reject(new Error('startConsumers() first'));

  /**
   * Starts the deliverer, the redrive consumer and the commit loop (every 300 ms).
   * `crashBeforeCompletion(partition, offset)`: when it returns true for a record of a batch's
   * ledger entry (or of a per-record completion), that write fails as if the deliverer's process
   * died there, after the endpoint answered: the whole batch's entry is lost
   * (`lostEntryRecords` lists its records).
   * `crashCommitStateWrites`: the commit function dies after its Kafka commit, before writing
   * the route's ledger state, this many times. `failKafkaCommits`: the Kafka offset commit fails
   * after the merge, before anything is written, this many times.
   */
  startConsumers(
    options: {
      crashBeforeCompletion?: (partition: number, offset: string) => boolean;
      crashCommitStateWrites?: number;
      failKafkaCommits?: number;
    } = {},
  ): Promise<void> {
    let commitDynamo = this.#clients.dynamo;
    let stateCrashes = options.crashCommitStateWrites ?? 0;
    if (stateCrashes > 0) {
      const own = localClients();
      this.#commitClients = own;
      own.dynamo.middlewareStack.add(
        (next, context) => async (args) => {
          const values = (args.input as { ExpressionAttributeValues?: Record<string, unknown> })
            .ExpressionAttributeValues;
          if (
            context.commandName === 'UpdateItemCommand' &&
            values?.[':partitions'] !== undefined &&
            stateCrashes > 0
          ) {
            stateCrashes -= 1;
            this.crashes.push('commit state write');
            throw new Error(
              'injected crash: the commit function died after its Kafka commit, before its state write',
            );
          }
          return next(args);
        },
        { step: 'initialize', name: 'reliabilityCrashCommitStateWrite' },
      );
      commitDynamo = own.dynamo;
    }
    let kafkaFailures = options.failKafkaCommits ?? 0;
    const offsets = this.#offsets;
    // The committer's three calls, the commit one failing as planned.
    const commitOffsets = {
      committed: (group: string, topic: string) => offsets.committed(group, topic),
      watermarks: (topic: string) => offsets.watermarks(topic),
      commit: async (...args: Parameters<KafkaOffsets['commit']>) => {
        if (kafkaFailures > 0) {
          kafkaFailures -= 1;
          this.crashes.push('kafka commit');
          throw new Error('injected failure: the Kafka offset commit failed after the merge');
        }
        // I4's sample: what is written to Kafka, timed before the write.
        const at = Date.now();
        const [, topic, moves] = args;
        await offsets.commit(...args);
        if (topic === this.topic)
          for (const [partition, committed] of moves) this.commitSamples.push({ at, partition, committed });
      },
    } as unknown as KafkaOffsets;
    this.#committer = new Committer({
      offsets: commitOffsets,
      ledger: new Ledger({ client: commitDynamo, tableName: this.provisioned.tableName }),
      completions: new CompletionStore({ client: commitDynamo, tableName: this.provisioned.tableName }),
      lease: new CommitLease(commitDynamo, this.provisioned.tableName),
      owner: `reliability-${process.pid}`,
    });
    const counters = new MetricCounters();
    const log = this.#log();
    const { route, resources, provisioned } = this;
    // The consumers' own clients, whose completion writes and DLQ sends are recorded (I4, I1).
    const own = localClients();
    this.#ownClients = own;
    const clients = this.writes.observe(own);
    const crash = options.crashBeforeCompletion;
    if (crash !== undefined) {
      own.dynamo.middlewareStack.add(
        (next) => async (args) => {
          const item = (args.input as { Item?: Record<string, unknown> }).Item;
          const records =
            item === undefined
              ? []
              : typeof plain(item.records) === 'string'
                ? decodeRecords(String(plain(item.records))).map((r) => ({
                    partition: r.partition,
                    offset: r.offset.toString(),
                  }))
                : item.status !== undefined && item.from !== undefined
                  ? [{ partition: Number(plain(item.partition)), offset: String(plain(item.offset)) }]
                  : [];
          const hit = records.filter((r) => crash(r.partition, r.offset));
          if (hit.length > 0) {
            for (const r of hit) this.crashes.push(`${r.partition}/${r.offset}`);
            for (const r of records) {
              const where = `${r.partition}/${r.offset}`;
              this.lostEntryRecords.set(where, (this.lostEntryRecords.get(where) ?? 0) + 1);
            }
            throw new Error(
              `injected crash: the deliverer died after the endpoint answered ${hit.map((r) => `${r.partition}/${r.offset}`).join(', ')}`,
            );
          }
          return next(args);
        },
        { step: 'initialize', name: 'reliabilityCrashBeforeCompletion' },
      );
    }
    const deliverer = createDeliverer({
      route,
      queueUrl: resources.queue.url,
      deadLetterQueueUrl: resources.deadLetterQueue.url,
      bucket: provisioned.bucket,
      completionTable: provisioned.tableName,
      clients,
      metrics: counters,
      logger: log,
    });
    this.deliverHandler = (event, context) =>
      deliverBatch(event, context, deliverer, { sqs: clients.sqs, queueUrl: resources.queue.url });
    const redriveConsumer = new RedriveConsumer({
      route,
      archive: new Archive(clients.s3, provisioned.bucket),
      completions: new CompletionStore({ client: clients.dynamo, tableName: provisioned.tableName }),
      ledger: new Ledger({ client: clients.dynamo, tableName: provisioned.tableName }),
      quarantine: new QuarantineStore(clients.dynamo, provisioned.tableName),
      sqs: clients.sqs,
      forwardQueueUrl: resources.deadLetterQueue.url,
      metrics: counters,
      logger: log,
    });
    const world: TriggerWorld = {
      sqs: clients.sqs,
      streams: this.#clients.streams,
      tableName: provisioned.tableName,
      queue: (key) => {
        const queues = new Map([
          [wiringKey('queue', route.name), resources.queue],
          [wiringKey('redrive', route.name), resources.redriveQueue],
        ]);
        const queue = queues.get(key);
        if (queue === undefined) throw new Error(`the reliability run has no queue ${key}`);
        return queue;
      },
    };
    const { wiring } = provisioned;
    this.#deliver = new FunctionTriggers(
      wiring,
      wiringKey('deliver', route.name),
      world,
      { sqs: (event, context) => this.deliverHandler(event, context) },
      (error) => this.problems.push(`deliver batch failed: ${messageOf(error)}`),
    );
    this.#redrive = new FunctionTriggers(
      wiring,
      wiringKey('dead-letter', route.name),
      world,
      {
        sqs: (event: SQSEvent, context: Context) =>
          processPartialResponse(
            event,
            (record: SQSRecord) => redriveConsumer.process(record),
            new SqsFifoPartialProcessorAsync(),
            { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
          ),
      },
      (error) => this.problems.push(`redrive batch failed: ${messageOf(error)}`),
    );
    const commit = () => this.#commitOnce();
    this.#commit = new FunctionTriggers(
      wiring,
      wiringKey('commit'),
      world,
      { stream: commit, schedule: commit },
      // A run whose routes failed throws `commit failed: ...` (#commitOnce); anything else threw.
      (error) =>
        this.problems.push(
          error instanceof AggregateError ? messageOf(error) : `commit run threw: ${messageOf(error)}`,
        ),
    );
    // As the components they are when deployed: with BRIDGE_RECORD_CALLS set, their AWS calls
    // are recorded under their roles (lib/aws/call-recorder.ts).
    const starting = [
      asComponent({ component: 'deliverer', route: route.name }, () => this.#deliver?.start()),
      asComponent({ component: 'dlq', route: route.name }, () => this.#redrive?.start()),
      asComponent({ component: 'commit' }, () => this.#commit?.start()),
    ];
    return Promise.all(starting).then(() => undefined);
  }

  /**
   * Sets the route queue's visibility timeout to the template's times `factor` (a case that
   * waits for crashed invocations' messages to come back would otherwise wait the deployed
   * minutes); returns the seconds set. What a case asserts must not depend on the duration.
   */
  async scaleQueueVisibility(factor: number): Promise<number> {
    const deployed = Number(
      queueWiring(this.provisioned.wiring, wiringKey('queue', this.route.name)).attributes.VisibilityTimeout,
    );
    const seconds = Math.max(1, Math.round(deployed * factor));
    await this.#clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: this.resources.queue.url,
        Attributes: { VisibilityTimeout: String(seconds) },
      }),
    );
    return seconds;
  }

  /** The poller in this process; its in-flight counts are sampled every 100 ms. */
  async startPoller(): Promise<void> {
    this.#poller = new RoutePoller({
      route: this.route,
      kafka: this.kafka,
      sqs: this.#clients.sqs,
      s3: this.#clients.s3,
      queueUrl: this.resources.queue.url,
      payloadBucket: this.provisioned.bucket,
      progressPollMs: 300,
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 6_000,
      log: this.#log(),
      onFatal: (error) => this.problems.push(`poller fatal: ${error.message}`),
    });
    await asComponent({ component: 'poller' }, () => this.#poller?.start());
    const sample = () => {
      const at = Date.now();
      for (const p of this.#poller?.status().partitions ?? [])
        this.inFlightSamples.push({ at, partition: p.partition, inFlight: p.inFlight });
      this.#sampleTimer = setTimeout(sample, 100);
    };
    sample();
  }

  async stopPoller(): Promise<void> {
    clearTimeout(this.#sampleTimer);
    await this.#poller?.stop();
    this.#poller = undefined;
  }

  /**
   * functions/poller.ts as a child process (as on Fargate); resolves once it logged its health
   * port. `sampleInFlight`: read the child's GET /health every 100 ms into `inFlightSamples` (I6),
   * until it exits.
   */
  async spawnPoller(options: { sampleInFlight?: boolean } = {}): Promise<ChildProcess> {
    const config = { kafka: { brokers: kafkaBrokers() }, routes: [this.routeInput] };
    const child = spawn(process.execPath, ['functions/poller.ts'], {
      env: pollerProcessEnv(config, this.provisioned.bucket, {
        metricsIntervalMs: 60000,
        progressPollMs: 300,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.push(child);
    // Its EMF lines (heartbeat, buffer, poll count), as CloudWatch would store them.
    child.stdout?.on('data', runRecorder('reliability').feeder());
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (process.env.POLLER_TEST_LOG === '1') process.stderr.write(chunk);
      errors = (errors + chunk.toString()).slice(-4_000);
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (process.env.POLLER_TEST_LOG === '1') process.stderr.write(chunk);
        if (out === 'ready') return;
        out += chunk.toString();
        const listening = /"message":"health endpoint listening","port":(\d+)/.exec(out);
        if (listening !== null) {
          out = 'ready';
          this.healthPorts.set(child, Number(listening[1]));
          if (options.sampleInFlight === true) this.#sampleChild(child, Number(listening[1]));
          resolve();
        }
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`poller child exited (${code ?? signal}) before it was ready: ${errors}`)),
      );
    });
    child.on('exit', (code, signal) => {
      if (signal === null && code !== 0) this.problems.push(`poller child exited ${code}: ${errors}`);
    });
    return child;
  }

  /** Samples a child poller's in-flight counts from its health endpoint until the child exits. */
  #sampleChild(child: ChildProcess, port: number): void {
    const sample = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null || this.#stopped) return;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`, {
          signal: AbortSignal.timeout(2_000),
        });
        const body = (await response.json()) as {
          routes?: { partitions?: { partition: number; inFlight: number }[] }[];
        };
        const at = Date.now();
        for (const route of body.routes ?? [])
          for (const p of route.partitions ?? [])
            this.inFlightSamples.push({ at, partition: p.partition, inFlight: p.inFlight });
      } catch (error) {
        // A child stopping (SIGTERM, SIGKILL) closes its port mid-request: not a problem then
        // (`killed`: a signal was sent; a draining poller closes its health port before it exits).
        if (child.exitCode === null && child.signalCode === null && !child.killed && !this.#stopped)
          this.problems.push(`health sample of poller ${child.pid} failed: ${messageOf(error)}`);
      }
      const timer = setTimeout(() => void sample(), 100);
      timer.unref();
      this.#childSamplers.set(child, timer);
    };
    void sample();
  }

  /** `count` records over `keys` keys (key-<n>), values {"n":i}; kafkajs's default partitioner. */
  async produce(count: number, keys: number, value?: (i: number) => Buffer | string): Promise<void> {
    if (this.#producer === undefined) {
      this.#producer = this.kafka.producer();
      await this.#producer.connect();
    }
    const messages: Message[] = [];
    for (let i = 0; i < count; i += 1)
      messages.push({ key: `key-${i % keys}`, value: value?.(i) ?? JSON.stringify({ n: i }) });
    await this.produceMessages(messages);
  }

  async produceMessages(messages: readonly Message[]): Promise<void> {
    if (this.#producer === undefined) {
      this.#producer = this.kafka.producer();
      await this.#producer.connect();
    }
    for (let i = 0; i < messages.length; i += 200)
      await this.#producer.send({ topic: this.topic, messages: messages.slice(i, i + 200) });
  }

  /** Waits until the progress group's offset reached the log end on every partition. */
  async waitCommitted(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const { committed, logEnd } = await readOffsets(this.#offsets, this.route, this.topic);
      const behind = [...logEnd].filter(([p, high]) => high > 0n && committed.get(p) !== high);
      if (behind.length === 0) return;
      if (Date.now() > end) {
        throw new Error(
          `not committed within ${timeoutMs} ms: ${behind.map(([p, h]) => `p${p} ${committed.get(p) ?? 'none'}/${h}`).join(', ')}; ` +
            `problems: ${this.problems.slice(-10).join(' | ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /** Reads the topic, the endpoint's log, the archive and the offsets back and checks them. */
  async check(): Promise<InvariantReport> {
    const produced = await readTopic(this.kafka, this.topic, uniqueName('rel-readback'));
    const archived = await readArchive(this.#clients.s3, this.provisioned.bucket, this.route.name);
    const { committed, logEnd } = await readOffsets(this.#offsets, this.route, this.topic);
    const requests: EndpointRequest[] = this.endpoint.received.map((request) => {
      const answer = this.#answers.get(request);
      const status = answer?.status;
      const accepted = status !== undefined && status >= 200 && status < 300;
      // A record of a ledger entry an injected crash lost is delivered again with its batch.
      const lost = this.lostEntryRecords.has(`${request.recordId.split('/').at(-2)}/${request.offset}`);
      const note = answer?.note ?? (lost ? LOST_ENTRY : undefined);
      return {
        recordId: request.recordId,
        at: request.at,
        answeredAt: request.at + (answer?.delayMs ?? 0),
        accepted,
        valueDigest: requestValueDigest(request.body),
        ...(note === undefined ? {} : { note }),
      };
    });
    return checkInvariants({
      route: this.route.name,
      topic: this.topic,
      produced,
      requests,
      archived,
      deadLetterQueue: this.writes.deadLetterSends,
      committed,
      logEnd,
      commitSamples: this.commitSamples,
      finishes: this.writes.finishes,
      onPoison: this.route.onPoison,
      inFlightSamples: this.inFlightSamples,
      maxInFlight: this.route.maxInFlight,
      durationMs: Date.now() - this.#startedAt,
    });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const child of this.#children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const timer of this.#childSamplers.values()) clearTimeout(timer);
    await this.stopPoller();
    await Promise.allSettled([this.#deliver?.stop(), this.#redrive?.stop()]);
    await this.#commit?.stop();
    await this.#producer?.disconnect();
    await this.#offsets.disconnect();
    await this.endpoint.stop();
    if (this.#ownClients !== undefined) destroyClients(this.#ownClients);
    if (this.#commitClients !== undefined) destroyClients(this.#commitClients);
  }

  /** One run of the commit function's logic (a stream batch or a scheduled tick); throws when it failed. */
  async #commitOnce(): Promise<void> {
    const committer = this.#committer;
    if (committer === undefined) throw new Error('startConsumers() first');
    // I4's samples are taken where the offsets are written (the Kafka commit above).
    const { failures } = await commitRoutes(committer, [this.route]);
    if (failures.length > 0)
      throw new AggregateError(
        failures.map((f) => f.error),
        `commit failed: ${failures.map((f) => messageOf(f.error)).join('; ')}`,
      );
  }

  #log(): DeliverLogger {
    return {
      // Of the info lines only the in-process poller's (re)assignments: a member that rejoins
      // re-forwards its partitions' uncommitted records, which explains later repeats.
      info: (message, attributes) => {
        if (message === 'partitions assigned')
          this.problems.push(`info ${message} ${JSON.stringify(attributes ?? {})}`);
      },
      warn: (message, attributes) =>
        this.problems.push(`warn ${message} ${JSON.stringify(attributes ?? {})}`),
      error: (message, attributes) =>
        this.problems.push(`error ${message} ${JSON.stringify(attributes ?? {})}`),
    };
  }
}

/**
 * Ends a case: waits until every partition is committed to its log end, stops the in-process
 * poller, runs the checker, prints its line, and asserts what every case must hold
 * (test/support/invariant-asserts.ts): I1, I2, values, I4, I6, and no unexplained problem.
 */
export async function finishRun(
  run: ReliabilityRun,
  name: string,
  timeoutMs: number,
  expectations: InvariantExpectations = {},
): Promise<InvariantReport> {
  await run.waitCommitted(timeoutMs);
  await run.stopPoller();
  const report = await run.check();
  console.log(reportLine(name, report));
  assertInvariants(report, run.problems, expectations);
  return report;
}

/**
 * Waits until `probe` holds (checked every 50 ms); fails naming `what`, with the run's last
 * problems, after `timeoutMs`.
 */
export async function until(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  run: ReliabilityRun,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}: ${run.problems.slice(-5).join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once the child process has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** The report as one line, for the test's output and docs/reliability.md. */
export function reportLine(name: string, report: InvariantReport): string {
  const reasons = new Map<string, number>();
  for (const d of report.duplicateDetails) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
  return (
    `[reliability] ${name}: produced ${report.produced}, delivered ${report.delivered}, dead-lettered ${report.deadLettered} ` +
    `(parked ${report.parked}), lost ${report.lost}, order violations ${report.orderViolations}, duplicates ${report.duplicates}` +
    `${reasons.size === 0 ? '' : ` (${[...reasons].map(([r, n]) => `${n}: ${r}`).join('; ')})`}, ` +
    `value mismatches ${report.valueMismatches}, dead letters without DLQ message ${report.deadLettersWithoutDlq}, ` +
    `commit past unfinished ${report.commitPastUnfinished}, in-flight max ${report.maxInFlightSeen ?? 'not sampled'} ` +
    `(exceeded ${report.inFlightExceeded ?? 'n/a'}), unfinished ${report.unfinished}, lag ${report.lag}`
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Checks the broker and both emulators answer before a file's tests, and hands out the local
 * clients (closed after the file). Call at the top level of a test file.
 */
export function reliabilityClients(): () => LocalClients {
  let clients: LocalClients | undefined;
  before(async () => {
    await assertKafkaReachable();
    await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
    await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
    clients = localClients();
  });
  after(() => {
    if (clients) destroyClients(clients);
  });
  return () => {
    if (clients === undefined) throw new Error('reliabilityClients: used before the before() hook ran');
    return clients;
  };
}
