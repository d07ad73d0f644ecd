import { writeFile } from 'node:fs/promises';
import { logLevel } from 'kafkajs';
import { parseBridgeConfig } from '../config/index.ts';
import { createKafkaClient } from '../kafka/client.ts';
import { readArchivedOrders } from './archive-reader.ts';
import { LocalBridge, type LocalLog } from './bridge.ts';
import { destroyClients, localClients, localEndpoints } from './clients.ts';
import { type LocalConsoleOptions, startLocalConsole } from './console.ts';
import { OrderProducer } from './order-producer.ts';
import { checkInfrastructure } from './preflight.ts';
import { ProgressView } from './progress-view.ts';
import { provision } from './provision.ts';
import { cliCommandsText, writeRunConfig } from './run-commands.ts';
import { SampleEndpoint } from './sample-endpoint.ts';
import { type DemoSummary, summarize } from './summary.ts';

export interface DemoOptions {
  /** Stop once this many records are produced and committed; none: produce until the signal. */
  readonly records?: number;
  readonly partitions?: number;
  readonly keys?: number;
  /** Records produced per second (0: as fast as possible). */
  readonly perSecond?: number;
  readonly latencyMs?: number;
  readonly failureRate?: number;
  readonly poisonRate?: number;
  readonly endpointPort?: number;
  /** Give up (and report what is unfinished) after this long. */
  readonly timeoutMs?: number;
  readonly summaryJson?: string;
  /** The operator console on the demo's route; false: none. Default: on a free port, read-only. */
  readonly console?: LocalConsoleOptions | false;
  readonly out: NodeJS.WritableStream;
  readonly tty: boolean;
  /** Aborted on Ctrl-C / SIGTERM: stop producing, stop the bridge cleanly, summarize. */
  readonly signal: AbortSignal;
}

export type StopReason = 'records committed' | 'interrupted' | 'timed out';

export interface DemoResult extends DemoSummary {
  readonly stoppedBy: StopReason;
}

/**
 * The demo: a fresh topic and route (named after the run, so runs never mix), the sample
 * endpoint, the producer of sample orders, and the whole bridge in this process; live progress;
 * at the end a check of what the endpoint accepted and the archive holds against what was
 * produced.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const endpoints = localEndpoints();
  await checkInfrastructure(endpoints);
  const runId = Date.now().toString(36);
  const routeName = `demo-${runId}`;
  const topic = `demo-orders-${runId}`;
  const partitions = options.partitions ?? 4;
  const view = new ProgressView(options.out, options.tty);
  const log: LocalLog = {
    info: () => undefined, // per-record details; the table shows their sum
    warn: (message, details) => view.event(`warn ${message} ${JSON.stringify(details ?? {})}`),
    error: (message, details) => view.event(`error ${message} ${JSON.stringify(details ?? {})}`),
  };

  const endpoint = await SampleEndpoint.start({
    port: options.endpointPort ?? 0,
    latencyMs: options.latencyMs ?? 20,
    failureRate: options.failureRate ?? 0.05,
    poisonRate: options.poisonRate ?? 0.005,
  });
  const clients = localClients(endpoints);
  let operatorConsole: { close(): Promise<void> } | undefined;
  try {
    const input = {
      kafka: { brokers: [...endpoints.kafkaBrokers], clientId: 'kafka-bridge-demo' },
      routes: [
        {
          name: routeName,
          topics: [topic],
          endpoint: { type: 'http', url: endpoint.url, timeoutMs: 5_000 },
          ordering: 'key',
          onPoison: 'quarantine',
          maxInFlight: 200,
          concurrency: 10,
          partitions,
          // Short backoffs so retries show within seconds; enough attempts that a 5% random
          // failure rate never exhausts them (0.05^8), while poison records dead-letter at once.
          retry: { attempts: 8, inProcessAttempts: 2, baseMs: 100, maxMs: 2_000 },
        },
      ],
    };
    const config = parseBridgeConfig(input);
    // The route is named after the run: its config goes to the run folder for the CLI.
    const configFile = await writeRunConfig(input, routeName);
    // kafkajs logs expected events (rebalances) as errors; the poller reports what matters itself.
    const kafka = await createKafkaClient(config.kafka, { logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const provisioned = await provision(config, clients);
    if (options.console !== false) {
      operatorConsole = await startLocalConsole(
        config,
        provisioned,
        endpoints,
        options.console ?? {},
        options.out,
      );
    }
    options.out.write(cliCommandsText(configFile, config.routes));
    let fatal: Error | undefined;
    const stopNow = new AbortController();
    const bridge = new LocalBridge({
      routes: config.routes,
      clients,
      provisioned,
      kafka,
      log,
      onFatal: (error) => {
        fatal = error;
        stopNow.abort();
      },
    });
    const producer = new OrderProducer({
      kafka,
      topic,
      partitions,
      keys: options.keys ?? 50,
      // moto answers about 100 calls/s in all and a record takes 5-6 calls: ~15-20 records/s is
      // what local mode sustains; faster shows the poller's in-flight bound holding the rest back.
      perSecond: options.perSecond ?? 15,
      runId,
    });
    const started = Date.now();
    await bridge.start();
    await producer.connect();
    const target = options.records;
    let producerError: unknown;
    const producing = producer.produce(target ?? Number.POSITIVE_INFINITY).catch((error: unknown) => {
      producerError = error;
      stopNow.abort();
    });

    const stoppedBy = await new Promise<StopReason>((resolve) => {
      const finish = (reason: StopReason) => {
        clearInterval(timer);
        clearTimeout(deadline);
        options.signal.removeEventListener('abort', interrupted);
        stopNow.signal.removeEventListener('abort', interrupted);
        resolve(reason);
      };
      const interrupted = () => finish('interrupted');
      const deadline =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => finish('timed out'), options.timeoutMs);
      const timer = setInterval(
        () => {
          const progress = bridge.progress();
          view.render(progress, {
            produced: producer.produced.length,
            ...(target === undefined ? {} : { target }),
          });
          const route = progress[0];
          if (target === undefined || route === undefined || producer.produced.length < target) return;
          const logEnds = route.partitions.reduce((sum, p) => sum + p.logEnd, 0n);
          const done = route.partitions.every((p) => p.after !== undefined && p.after === p.logEnd);
          if (done && route.partitions.length === partitions && logEnds === BigInt(target))
            finish('records committed');
        },
        options.tty ? 250 : 2_000,
      );
      if (options.signal.aborted || stopNow.signal.aborted) interrupted();
      options.signal.addEventListener('abort', interrupted);
      stopNow.signal.addEventListener('abort', interrupted);
    });

    producer.stop();
    await producing;
    await producer.disconnect();
    view.event(
      `stopping (${stoppedBy}): poller, then the deliverers' batches in progress, then a final commit`,
    );
    await bridge.stop();
    view.render(bridge.progress(), {
      produced: producer.produced.length,
      ...(target === undefined ? {} : { target }),
    });
    if (fatal !== undefined) throw fatal;
    if (producerError !== undefined) throw producerError;

    const archived = await readArchivedOrders(clients.s3, provisioned.bucket, routeName);
    const summary: DemoResult = {
      ...summarize({
        route: routeName,
        topic,
        produced: producer.produced,
        accepted: endpoint.accepted,
        attempts: endpoint.attempts.map((a) => ({ ...a, recordId: a.orderId })),
        failedRequests: endpoint.failures,
        archived,
        partitions: bridge.progress()[0]?.partitions ?? [],
        durationMs: Date.now() - started,
      }),
      stoppedBy,
    };
    if (options.summaryJson !== undefined) {
      await writeFile(options.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
    }
    return summary;
  } finally {
    await operatorConsole?.close();
    await endpoint.stop();
    destroyClients(clients);
  }
}

/** The end-of-run report, for people. */
export function formatSummary(summary: DemoResult): string {
  const check = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  const accounted = summary.delivered + summary.deadLettered;
  const lines = [
    '',
    `Summary of route ${summary.route} (topic ${summary.topic}), stopped: ${summary.stoppedBy}, ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  produced        ${summary.produced}`,
    `  delivered       ${summary.delivered}   (endpoint answered 2xx)`,
    `  dead-lettered   ${summary.deadLettered}   (${summary.deadLettered - summary.parked} dead letters + ${summary.parked} parked behind them; in the archive and DLQ)`,
    `  duplicates      ${summary.duplicates}   (accepted again after a redelivery: at least once)`,
    `  failed requests ${summary.failedRequests}   (503s retried, 422s dead-lettered)`,
    `  lag             ${summary.lag}   (${summary.partitions.map((p) => `p${p.partition} ${p.committed ?? '-'}/${p.logEnd}`).join(', ')})`,
    '',
    `  ${check(summary.lost === 0)} nothing lost: ${summary.lost} record(s) below the committed offsets neither delivered nor dead-lettered`,
    `  ${check(summary.orderViolations === 0)} per-key order held: ${summary.orderViolations} violation(s)`,
    `  ${check(summary.unfinished === 0 && accounted === summary.produced)} everything finished: produced ${summary.produced} = delivered ${summary.delivered} + dead-lettered ${summary.deadLettered}${summary.unfinished > 0 ? ` (${summary.unfinished} not finished yet)` : ''}`,
    `  ${check(summary.lag === 0)} everything committed: lag ${summary.lag}`,
  ];
  for (const example of summary.examples.lost) lines.push(`    lost: ${example}`);
  for (const example of summary.examples.orderViolations) lines.push(`    order: ${example}`);
  lines.push('', summary.ok ? 'Result: OK' : 'Result: PROBLEMS (see above)', '');
  return lines.join('\n');
}
