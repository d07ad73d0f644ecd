/**
 * The poller's Fargate entry point: one RoutePoller per route of the config, a small health
 * endpoint for the container, and a graceful stop on SIGTERM (Fargate stops tasks that way).
 *
 * Environment:
 * - BRIDGE_CONFIG_JSON: the config as JSON; else BRIDGE_CONFIG: the path of a config module
 *   (default export); else the repository's bridge.config.ts.
 * - BRIDGE_ROUTES: comma-separated route names to run (default: all routes of the config).
 * - BRIDGE_PAYLOAD_BUCKET: the S3 bucket for values too large for SQS (claim check).
 * - HEALTH_PORT: the health endpoint's port (default 8080; 0 picks a free one, logged). It
 *   serves GET /health (JSON status) and GET /metrics (Prometheus text, lib/poller/prometheus.ts).
 * - PROGRESS_POLL_MS: how often the progress group's offsets are read (default 1000).
 * - SESSION_TIMEOUT_MS: the membership group's session timeout (default 30000).
 * - REBALANCE_TIMEOUT_MS: how long a rebalance waits for members to rejoin (default 60000).
 * - METRICS_INTERVAL_MS: how often the heartbeat and buffer metrics are emitted (default 60000).
 * - AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SQS: the SDK's own variables, for local mode.
 *
 * Exit codes: 0 after a graceful stop, 1 when a route's poller cannot go on (the orchestrator
 * restarts the task; positions come back from the progress group, so nothing is lost).
 */
import { createServer, type Server } from 'node:http';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type logCreator, logLevel } from 'kafkajs';
import { recordCalls } from '../lib/aws/call-recorder.ts';
import { SecretReader } from '../lib/aws/secrets.ts';
import { createRegistryClients } from '../lib/decode/index.ts';
import { createKafkaClient } from '../lib/kafka/client.ts';
import { checkKafkaConnection } from '../lib/kafka/connection.ts';
import { createPollerSqsClient, PollerError, type PollerLog, RoutePoller } from '../lib/poller/index.ts';
import { ForwardedTotals, PROMETHEUS_CONTENT_TYPE, prometheusText } from '../lib/poller/prometheus.ts';
import { routeQueueUrl } from '../lib/poller/queue-url.ts';
import {
  DEFAULT_METRICS_INTERVAL_MS,
  type EmittedCounters,
  emittedCounters,
  routeMetricValues,
} from '../lib/poller/route-metrics.ts';
import { loadBridgeConfig } from '../lib/runtime/config.ts';
import { SERVICE } from '../lib/runtime/contract.ts';
import { bridgeMetrics } from '../lib/runtime/metrics.ts';

/** One JSON line per event: CloudWatch Logs and the local runner both read it as is. */
function line(level: string, message: string, details: Record<string, unknown> = {}): void {
  const stream = level === 'error' ? process.stderr : process.stdout;
  stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...details })}\n`);
}

const log: PollerLog = {
  info: (message, details) => line('info', message, details),
  warn: (message, details) => line('warn', message, details),
  error: (message, details) => line('error', message, details),
};

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

function intEnv(name: string, fallback: number): number {
  const text = env(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new PollerError(
      '*',
      `environment variable ${name} must be a non-negative integer, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** kafkajs's log lines, as the poller's own JSON lines. */
const kafkaLogCreator: logCreator =
  () =>
  ({ level, log: entry }) => {
    const { message, ...details } = entry;
    line(
      level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info',
      `kafkajs: ${message}`,
      details,
    );
  };

function healthServer(pollers: readonly RoutePoller[], port: number): Promise<Server> {
  const forwardedTotals = new ForwardedTotals();
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === '/metrics') {
      const routes = pollers.map((poller) => poller.status());
      response
        .writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE })
        .end(prometheusText({ routes, forwardedTotals: forwardedTotals.observe(routes) }));
      return;
    }
    if (request.method !== 'GET' || path !== '/health') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const routes = pollers.map((poller) => poller.status());
    const healthy = routes.every((route) => route.running);
    response
      .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ healthy, routes }));
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolvePromise(server));
  });
}

/** Per route, as CloudWatch EMF lines on stdout: what lib/poller/route-metrics.ts says the poller publishes. */
function emitMetrics(pollers: readonly RoutePoller[], before: EmittedCounters): void {
  for (const poller of pollers) {
    const status = poller.status();
    // One EMF line per route and emission, {service, route} on all of them.
    const routeMetrics = bridgeMetrics(SERVICE.poller, status.route);
    for (const [name, value] of routeMetricValues(status, before))
      routeMetrics.addMetric(name, MetricUnit.Count, value);
    routeMetrics.publishStoredMetrics();
  }
}

async function main(): Promise<void> {
  // Fargate may stop a task while it is still starting: until the pollers exist nothing was
  // forwarded, so there is nothing to drain. Replaced by the draining stop below.
  let stop = async (signal: string): Promise<void> => {
    log.info('stopped before polling began', { signal });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const config = await loadBridgeConfig(new URL('../bridge.config.ts', import.meta.url).pathname);
  const only = env('BRIDGE_ROUTES')
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const routes =
    only === undefined ? config.routes : config.routes.filter((route) => only.includes(route.name));
  const unknown = only?.filter((name) => !config.routes.some((route) => route.name === name)) ?? [];
  if (unknown.length > 0)
    throw new PollerError('*', `BRIDGE_ROUTES names unknown routes: ${unknown.join(', ')}`);
  if (routes.length === 0) throw new PollerError('*', 'no route to poll');

  // Every AWS call is recorded as the poller's when BRIDGE_RECORD_CALLS is set.
  const caller = { component: 'poller' } as const;
  const secrets = new SecretReader(recordCalls(new SecretsManagerClient({}), caller));
  // Wrong credentials or certificates stop the task here with one line, not a kafkajs retry loop.
  await checkKafkaConnection(config.kafka, { secrets, clientId: 'kafka-endpoint-bridge-poller' });
  const kafka = await createKafkaClient(config.kafka, {
    secrets,
    clientId: config.kafka.clientId ?? 'kafka-endpoint-bridge-poller',
    logCreator: kafkaLogCreator,
  });
  // The SDK reads AWS_ENDPOINT_URL(_SQS, _S3) itself; path-style S3 so local emulators work too.
  // The poller's SQS client (lib/poller/sqs-client.ts): its region, endpoint and credential chain
  // serve the lean SendMessageBatch path (lib/poller/lean-sqs.ts); its other calls go through the SDK.
  const sqs = recordCalls(createPollerSqsClient(), caller);
  const s3 = recordCalls(new S3Client({ forcePathStyle: env('AWS_ENDPOINT_URL') !== undefined }), caller);
  const payloadBucket = env('BRIDGE_PAYLOAD_BUCKET');
  const progressPollMs = intEnv('PROGRESS_POLL_MS', 1_000);
  // Decoding routes (route.decode) share the schema caches; Glue calls are recorded as the poller's.
  const registries = createRegistryClients({
    glueClient: (region) => recordCalls(new GlueClient(region === undefined ? {} : { region }), caller),
  });

  let stopping = false;
  const pollers: RoutePoller[] = [];
  const fail = (error: Error): void => {
    log.error('poller cannot go on; exiting so the task is restarted', { error: error.message });
    process.exit(1);
  };
  for (const route of routes) {
    pollers.push(
      new RoutePoller({
        route,
        kafka,
        sqs,
        s3,
        queueUrl: await routeQueueUrl(sqs, route),
        payloadBucket,
        progressPollMs,
        registries,
        sessionTimeoutMs: intEnv('SESSION_TIMEOUT_MS', 30_000),
        rebalanceTimeoutMs: intEnv('REBALANCE_TIMEOUT_MS', 60_000),
        log,
        onFatal: fail,
      }),
    );
  }
  const server = await healthServer(pollers, intEnv('HEALTH_PORT', 8080));
  const address = server.address();
  log.info('health endpoint listening', {
    port: typeof address === 'object' && address !== null ? address.port : address,
  });

  stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(metricsTimer);
    log.info('stopping', { signal });
    const results = await Promise.allSettled(pollers.map((poller) => poller.stop()));
    server.close();
    const failed = results.filter((result) => result.status === 'rejected');
    for (const result of failed) log.error('a poller did not stop cleanly', { error: String(result.reason) });
    log.info('stopped', { signal });
    process.exit(failed.length === 0 ? 0 : 1);
  };
  const before = emittedCounters();
  const metricsTimer = setInterval(
    () => emitMetrics(pollers, before),
    intEnv('METRICS_INTERVAL_MS', DEFAULT_METRICS_INTERVAL_MS) || DEFAULT_METRICS_INTERVAL_MS,
  );
  metricsTimer.unref();

  // All routes join their groups at once: a start awaits its group's join, which waits for the
  // other members to rejoin (up to a heartbeat each), so starting them one by one made a second
  // task take its share in about 2 s per route (docs/benchmarks.md, "Poller with many routes").
  await Promise.all(pollers.map((poller) => poller.start()));
  log.info('polling', { routes: routes.map((route) => route.name) });
}

// Node's own warnings as JSON lines too, instead of its multi-line text on stderr. kafkajs 2.2.4's
// request queue arms a timer with a negative delay when it disconnects (Node 24 warns:
// TimeoutNegativeWarning; Node clamps the delay to 1 ms, so nothing goes wrong): dropped.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') log.warn(`node: ${warning.message}`, { name: warning.name });
});

main().catch((error: unknown) => {
  log.error('poller failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
