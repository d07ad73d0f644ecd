// A function's triggers as the template wires them (lib/local/wiring.ts), run locally: each SQS
// event source mapping (lib/local/event-source.ts), the table's stream mapping
// (lib/local/stream-source.ts) and each schedule, all sharing the function's reserved
// concurrency, each invocation held to the function's timeout and Lambda's payload limit. A
// setting the local runners cannot reproduce makes the build fail naming it.
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { invokeAsLambda, LocalEventSource, Slots, type SqsBatchHandler } from './event-source.ts';
import { LocalStreamSource, type StreamHandler } from './stream-source.ts';
import { functionWiring, mappingsOf, type Wiring, type WiringKey } from './wiring.ts';

export interface TriggerWorld {
  readonly sqs: SQSClient;
  readonly streams: DynamoDBStreamsClient;
  readonly tableName: string;
  /** The local queue a template queue stands for. */
  readonly queue: (key: WiringKey) => { readonly url: string; readonly arn: string };
}

export interface TriggerHandlers {
  readonly sqs?: SqsBatchHandler;
  readonly stream?: StreamHandler;
  readonly schedule?: (event: ScheduledEvent, context: Context) => Promise<unknown>;
}

/** Lambda's maximum concurrency of a function with neither a mapping limit nor a reservation. */
const UNRESERVED = 1_000;

/**
 * An EventBridge rate schedule invoking the function every `rateMs`, a tenth into each period of
 * the epoch clock (so a scaled run's ticks never land in a neighbouring metric period).
 */
class LocalSchedule {
  readonly rateMs: number;
  readonly #tick: () => Promise<unknown>;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<unknown> = Promise.resolve();
  constructor(rateMs: number, tick: () => Promise<unknown>) {
    this.rateMs = rateMs;
    this.#tick = tick;
  }
  start(): void {
    this.#stopped = false;
    const next = () => {
      const wait = this.rateMs - (Date.now() % this.rateMs) + this.rateMs / 10;
      this.#timer = setTimeout(() => {
        if (this.#stopped) return;
        this.#running = this.#tick();
        next();
      }, wait);
    };
    next();
  }
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}

/** Every trigger of one function, built from the wiring; `start` and `stop` them together. */
export class FunctionTriggers {
  readonly key: WiringKey;
  readonly environment: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs: number;
  readonly reservedConcurrency: number | undefined;
  readonly sqs: LocalEventSource[] = [];
  readonly streams: LocalStreamSource[] = [];
  readonly schedules: LocalSchedule[] = [];

  constructor(
    wiring: Wiring,
    key: WiringKey,
    world: TriggerWorld,
    handlers: TriggerHandlers,
    onError: (error: unknown) => void,
    local: {
      /** What the in-process function was built from (lib/local/wiring.ts localEnvironment). */
      readonly environment?: Readonly<Record<string, string>>;
      /** A benchmark's deliberate deviation (bench/cost.ts times one invocation at a time). */
      readonly concurrency?: number;
      /** A scaled run (the alarms test): every schedule's rate divided by this (default 1). */
      readonly timeScale?: number;
    } = {},
  ) {
    const fn = functionWiring(wiring, key);
    this.key = key;
    this.environment = local.environment;
    this.timeoutMs = fn.timeoutMs;
    this.reservedConcurrency = fn.reservedConcurrency;
    const slots = new Slots(fn.reservedConcurrency ?? UNRESERVED);
    const refuse = (what: string): never => {
      throw new Error(`function ${key}: ${what} is not reproduced by the local runner`);
    };
    if (wiring.subscriptions.some((s) => s.function === key)) refuse('an SNS subscription');
    for (const m of mappingsOf(wiring, key)) {
      if (m.unknown.length > 0) refuse(`event source setting(s) ${m.unknown.join(', ')}`);
      if ('queue' in m.source) {
        if (m.filters.length > 0) refuse('FilterCriteria on an SQS event source');
        if (m.maximumConcurrency === undefined && fn.reservedConcurrency === undefined)
          refuse("an SQS event source without MaximumConcurrency (Lambda's own scaling)");
        const handler = handlers.sqs ?? refuse('an SQS event source (no SQS handler given)');
        const queue = world.queue(m.source.queue);
        this.sqs.push(
          new LocalEventSource({
            sqs: world.sqs,
            queueUrl: queue.url,
            queueArn: queue.arn,
            handler,
            batchSize: m.batchSize,
            batchingWindowMs: m.batchingWindowMs,
            reportBatchItemFailures: m.reportBatchItemFailures,
            concurrency:
              local.concurrency ??
              Math.min(m.maximumConcurrency ?? UNRESERVED, fn.reservedConcurrency ?? UNRESERVED),
            functionTimeoutMs: fn.timeoutMs,
            slots,
            onError,
          }),
        );
      } else {
        const handler = handlers.stream ?? refuse('a DynamoDB stream event source (no stream handler given)');
        const position = m.startingPosition ?? refuse('a stream event source without StartingPosition');
        if (position !== 'LATEST' && position !== 'TRIM_HORIZON') refuse(`StartingPosition ${position}`);
        this.streams.push(
          new LocalStreamSource({
            streams: world.streams,
            tableName: world.tableName,
            handler,
            batchSize: m.batchSize,
            batchingWindowMs: m.batchingWindowMs,
            filters: m.filters,
            startingPosition: position as 'LATEST' | 'TRIM_HORIZON',
            // Lambda's default for a stream: retry until the record expires (-1); locally: until stopped.
            maximumRetryAttempts:
              m.maximumRetryAttempts === undefined || m.maximumRetryAttempts < 0
                ? Number.MAX_SAFE_INTEGER
                : m.maximumRetryAttempts,
            bisectOnError: m.bisectOnError,
            functionTimeoutMs: fn.timeoutMs,
            slots,
            onError,
          }),
        );
      }
    }
    for (const s of wiring.schedules.filter((s) => s.function === key)) {
      const handler = handlers.schedule ?? refuse('a schedule (no schedule handler given)');
      this.schedules.push(
        new LocalSchedule(s.rateMs / (local.timeScale ?? 1), () => {
          const event = scheduledEvent();
          return slots
            .run(() => invokeAsLambda(event, fn.timeoutMs, (context) => handler(event, context)))
            .catch(onError);
        }),
      );
    }
  }

  async start(): Promise<void> {
    for (const source of this.sqs) source.start();
    for (const stream of this.streams) await stream.start();
    for (const schedule of this.schedules) schedule.start();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([
      ...this.schedules.map((s) => s.stop()),
      ...this.sqs.map((s) => s.stop()),
      ...this.streams.map((s) => s.stop()),
    ]);
  }

  /** What runs: compared with the template by test/e2e/local-wiring.test.ts. */
  describe() {
    return {
      function: this.key,
      environment: this.environment,
      timeoutMs: this.timeoutMs,
      reservedConcurrency: this.reservedConcurrency,
      sqs: this.sqs.map((s) => s.settings),
      streams: this.streams.map((s) => s.settings),
      schedules: this.schedules.map((s) => ({ rateMs: s.rateMs })),
    };
  }
}

function scheduledEvent(): ScheduledEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {},
  };
}
