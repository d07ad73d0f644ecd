import { logLevel } from 'kafkajs';
import { type BridgeConfig, ConfigError } from '../lib/config/index.ts';
import { createKafkaClient } from '../lib/kafka/client.ts';
import { type LocalArgs, numberFlag, parseLocalArgs, USAGE, UsageError } from '../lib/local/args.ts';
import { LocalBridge, type LocalLog } from '../lib/local/bridge.ts';
import { destroyClients, localClients, localEndpoints } from '../lib/local/clients.ts';
import { type LocalConsoleOptions, startLocalConsole } from '../lib/local/console.ts';
import { formatSummary, runDemo } from '../lib/local/demo.ts';
import { LocalModeError } from '../lib/local/errors.ts';
import { checkInfrastructure } from '../lib/local/preflight.ts';
import { ProgressView } from '../lib/local/progress-view.ts';
import { provision } from '../lib/local/provision.ts';
import { cliCommandsText, idleEndpointWarnings } from '../lib/local/run-commands.ts';
import { SampleEndpoint } from '../lib/local/sample-endpoint.ts';
import { ConfigFileError, loadBridgeConfigFile } from '../lib/runtime/config.ts';

// kafkajs 2.2.4's request queue schedules a timer with a negative delay on Node 23+ (its
// throttle bookkeeping; Node clamps it to 1 ms, so nothing misbehaves). The warning would be the
// first thing a newcomer sees, so that one warning is dropped; every other warning is printed.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning' && String(warning.stack).includes('kafkajs')) return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

/** `{ key: value }`, or nothing when the flag was not given (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Ctrl-C or SIGTERM stops cleanly once; a second one ends the process at once. One Ctrl-C may
 * arrive twice within moments (the terminal signals the whole process group, and npm and
 * scripts/start.sh forward it too): a repeat within a second is the same stop.
 */
function stopSignal(out: NodeJS.WritableStream): AbortSignal {
  const controller = new AbortController();
  let first = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) first = Date.now();
    else if (Date.now() - first < 1_000) return;
    else {
      out.write(
        `\n${signal} again: exiting without a clean stop (queued messages stay in SQS for the next run)\n`,
      );
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

async function loadConfig(path: string): Promise<BridgeConfig> {
  try {
    return await loadBridgeConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigFileError) throw new UsageError(error.message, error.hint);
    throw error;
  }
}

/** The console flags: false for --no-console. */
function consoleOptions(values: LocalArgs): LocalConsoleOptions | false {
  if (values['no-console'] === true) return false;
  return {
    ...optional('port', numberFlag(values, 'console-port')),
    allowReplay: values['allow-replay'] === true,
  };
}

async function runConfig(values: LocalArgs, out: NodeJS.WritableStream, tty: boolean): Promise<number> {
  const path = values.config ?? 'bridge.local.config.ts';
  const config = await loadConfig(path);
  const only = values.route;
  if (only !== undefined) {
    const unknown = only.filter((name) => !config.routes.some((route) => route.name === name));
    if (unknown.length > 0) {
      throw new UsageError(
        `unknown route ${unknown.join(', ')} in ${path}`,
        `routes there: ${config.routes.map((route) => route.name).join(', ')}`,
      );
    }
  }
  const routes =
    only === undefined ? config.routes : config.routes.filter((route) => only.includes(route.name));
  const lambdaRoutes = routes.filter((route) => route.endpoint.type === 'lambda');
  if (lambdaRoutes.length > 0) {
    throw new UsageError(
      `route(s) ${lambdaRoutes.map((route) => route.name).join(', ')} deliver to a Lambda function, which local mode cannot invoke (the emulator runs no functions)`,
      'leave them out with --route <name> for the others, or point them at an http:// endpoint for local runs',
    );
  }
  const createPartitions = numberFlag(values, 'create-topics');
  const endpoints = localEndpoints();
  await checkInfrastructure(endpoints);
  const kafka = await createKafkaClient(config.kafka, { logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(routes.flatMap((route) => route.topics))].filter(
      (topic) => !existing.has(topic),
    );
    if (missing.length > 0 && createPartitions === undefined) {
      throw new UsageError(
        `topic(s) ${missing.join(', ')} do not exist on the local broker (auto creation is off)`,
        'create them, or pass --create-topics <partitions>',
      );
    }
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions: createPartitions ?? 1 })),
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
  const samplePort = numberFlag(values, 'sample-endpoint');
  const sample =
    samplePort === undefined
      ? undefined
      : await SampleEndpoint.start({
          port: samplePort,
          ...optional('latencyMs', numberFlag(values, 'latency-ms')),
          ...optional('failureRate', numberFlag(values, 'failure-rate')),
          ...optional('poisonRate', numberFlag(values, 'poison-rate')),
          acceptAny: true,
        });
  if (sample !== undefined)
    out.write(`sample endpoint: http://127.0.0.1:${samplePort}/ (any path answers; accepts any record)\n`);
  for (const warning of await idleEndpointWarnings({ routes })) out.write(`${warning}\n`);
  const clients = localClients(endpoints);
  const view = new ProgressView(out, tty);
  const log: LocalLog = {
    info: () => undefined,
    warn: (message, details) => view.event(`warn ${message} ${JSON.stringify(details ?? {})}`),
    error: (message, details) => view.event(`error ${message} ${JSON.stringify(details ?? {})}`),
  };
  const signal = stopSignal(out);
  let fatal: Error | undefined;
  const stopped = new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  let failed: () => void = () => undefined;
  const failure = new Promise<void>((done) => {
    failed = done;
  });
  let operatorConsole: { close(): Promise<void> } | undefined;
  try {
    const provisioned = await provision({ ...config, routes }, clients);
    const bridge = new LocalBridge({
      routes,
      clients,
      provisioned,
      kafka,
      log,
      onFatal: (error) => {
        fatal = error;
        failed();
      },
    });
    await bridge.start();
    const wanted = consoleOptions(values);
    operatorConsole =
      wanted === false
        ? undefined
        : await startLocalConsole({ ...config, routes }, provisioned, endpoints, wanted, out);
    out.write(cliCommandsText(path, routes));
    out.write(`local mode: ${routes.map((route) => route.name).join(', ')} running; Ctrl-C stops cleanly\n`);
    const timer = setInterval(() => view.render(bridge.progress()), tty ? 500 : 5_000);
    await Promise.race([stopped, failure]);
    clearInterval(timer);
    out.write('stopping: poller, then the batches in progress, then a final commit\n');
    await bridge.stop();
    view.render(bridge.progress());
    if (fatal !== undefined) throw fatal;
    if (sample !== undefined) {
      out.write(
        `sample endpoint accepted ${new Set(sample.accepted.map((a) => a.recordId)).size} record(s), failed ${sample.failures} request(s)\n`,
      );
    }
    return 0;
  } finally {
    await operatorConsole?.close();
    destroyClients(clients);
    await sample?.stop();
  }
}

async function main(): Promise<number> {
  const out = process.stdout;
  const values = parseLocalArgs(process.argv.slice(2));
  if (values.help === true) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const tty = out.isTTY === true && values.plain !== true;
  if (values.config !== undefined || values.route !== undefined) {
    return runConfig(values, out, tty);
  }
  const records = numberFlag(values, 'records');
  const timeoutSeconds = numberFlag(values, 'timeout');
  const summary = await runDemo({
    out,
    tty,
    console: consoleOptions(values),
    signal: stopSignal(out),
    ...optional('records', records),
    ...optional('summaryJson', values['summary-json']),
    ...optional('partitions', numberFlag(values, 'partitions')),
    ...optional('keys', numberFlag(values, 'keys')),
    ...optional('perSecond', numberFlag(values, 'rate')),
    ...optional('latencyMs', numberFlag(values, 'latency-ms')),
    ...optional('failureRate', numberFlag(values, 'failure-rate')),
    ...optional('poisonRate', numberFlag(values, 'poison-rate')),
    ...optional('endpointPort', numberFlag(values, 'endpoint-port')),
    ...optional(
      'timeoutMs',
      timeoutSeconds === undefined ? (records === undefined ? undefined : 600_000) : timeoutSeconds * 1000,
    ),
  });
  out.write(formatSummary(summary));
  if (summary.lost > 0 || summary.orderViolations > 0) return 1;
  return summary.stoppedBy === 'interrupted' || summary.ok ? 0 : 1;
}

function report(error: unknown): number {
  const err = process.stderr;
  if (error instanceof ConfigError) {
    err.write(`error: ${error.message}\n  fix: correct the field(s) above in your config file\n`);
    return 2;
  }
  if (error instanceof LocalModeError) {
    err.write(`error: ${error.message}\n  fix: ${error.hint}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
  err.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof Error && error.stack !== undefined) err.write(`${error.stack}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(report(error)),
);
