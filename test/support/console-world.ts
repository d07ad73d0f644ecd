// The operator console's test world, shared by test/e2e/console.test.ts and the docs' screenshots
// (npm run docs:console): a route in local mode (LocalBridge) against the real broker and
// emulators, an endpoint the test can break and fix, the console on the CLI's context, and the
// system Chromium (installed by scripts/browser.sh) driven by playwright-core.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { CliContext } from '../../lib/cli/context.ts';
import { type BridgeConfig, parseBridgeConfig } from '../../lib/config/index.ts';
import { type RunningConsole, startConsole } from '../../lib/console/server.ts';
import { decodeEnvelope } from '../../lib/envelope/index.ts';
import { destroyClients } from '../../lib/local/clients.ts';
import { awsEndpoint, sqsEndpoint, uniqueName } from './aws.ts';
import { type ReceivedRequest, TestEndpoint } from './endpoint.ts';
import { createTopic, deleteTopics } from './kafka.ts';
import { startLocalBridge } from './local-bridge.ts';
import { problemLog } from './wait.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * What an attacker could produce: a key of markup, and a value and header with markup and
 * terminal escape sequences (a key with escapes is shown as base64 by the CLI's rule, so the
 * escapes go where text is shown as is).
 */
export const HOSTILE_KEY = '<img src=x onerror=alert(1)>';
export const HOSTILE = `${HOSTILE_KEY}\x1b[2J\x1b]0;owned\x07`;
export const HOSTILE_ANSWER = '<script>alert(2)</script>\x1b[31mred';
export const POISON_KEY = 'customer-poison';
/** A route the consoles know and nothing else has: no topic, no queues. */
export const UNREADABLE_ROUTE = 'never-provisioned';
export const FILTERED_PREFIX = 'filtered-out-';

export interface Message {
  readonly key: string;
  readonly value: string;
  readonly headers?: Record<string, string>;
}

export interface ConsoleWorld {
  readonly routeName: string;
  readonly topic: string;
  readonly endpoint: TestEndpoint;
  readonly console: RunningConsole;
  readonly readOnly: RunningConsole;
  readonly browser: BrowserContext;
  readonly problems: string[];
  /** While true, the endpoint refuses every record of POISON_KEY (422). */
  broken: boolean;
  /** Produces records to the route's topic. */
  produce(messages: readonly { key: string; value: string }[]): Promise<void>;
  /** The endpoint's 2xx answers of a key, in arrival order. */
  acceptedOf(key: string): ReceivedRequest[];
  stop(): Promise<void>;
}

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const routeName = uniqueName('console');
  const topic = uniqueName('console-topic');
  const table = uniqueName('console-completions');
  const bucket = uniqueName('console-bucket');
  const { problems, log } = problemLog();
  const accepted: ReceivedRequest[] = [];
  const world = { broken: true } as { broken: boolean };
  const endpoint = await TestEndpoint.start((request) => {
    if (request.key === HOSTILE_KEY) return { status: 422, body: HOSTILE_ANSWER };
    if (request.key === POISON_KEY && world.broken) return { status: 422, body: '{"error":"invalid order"}' };
    accepted.push(request);
    return { status: 200, body: 'ok' };
  });
  await createTopic(topic, 2);
  const config: BridgeConfig = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'], clientId: 'console-test' },
    routes: [
      {
        name: routeName,
        topics: [topic],
        endpoint: { type: 'http', url: endpoint.url, timeoutMs: 5_000 },
        ordering: 'key',
        onPoison: 'quarantine',
        retry: { attempts: 3, inProcessAttempts: 1, baseMs: 100, maxMs: 500 },
        breaker: { failureRatio: 0.9, minCalls: 1000, windowMs: 60_000, cooldownMs: 5_000 },
        // Records keyed FILTERED_PREFIX... are left out (committed, never sent): the pages count them.
        filter: { key: [{ 'anything-but': { prefix: FILTERED_PREFIX } }] },
      },
    ],
  });
  const { clients, kafka, bridge } = await startLocalBridge(config, {
    tableName: table,
    bucket,
    clientId: 'console-test',
    log,
  });
  const resources = { endpoint: awsEndpoint(), sqsEndpoint: sqsEndpoint(), table, bucket };
  // The consoles also know a route that was never provisioned (no queues, no table entries): the
  // pages must say why it cannot be read and still show the others. (A missing topic would do
  // too, but kafkajs retries its metadata for ~10 s on every reading.)
  const unreadable = parseBridgeConfig({
    kafka: config.kafka,
    routes: [{ name: UNREADABLE_ROUTE, topics: [topic], endpoint: { type: 'http', url: endpoint.url } }],
  }).routes;
  const consoleConfig = { ...config, routes: [...config.routes, ...unreadable] };
  const ctx = new CliContext(consoleConfig, resources, {});
  const readOnlyCtx = new CliContext(consoleConfig, resources, {});
  const running = await startConsole({ ctx, allowReplay: true, readingsMs: 2_000 });
  const readOnly = await startConsole({ ctx: readOnlyCtx });
  const profile = await mkdtemp(join(tmpdir(), 'console-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const producer = kafka.producer();
  await producer.connect();
  return Object.assign(world, {
    routeName,
    topic,
    endpoint,
    console: running,
    readOnly,
    browser,
    problems,
    async produce(messages: readonly Message[]) {
      await producer.send({ topic, messages: [...messages] });
    },
    acceptedOf(key: string) {
      return accepted.filter((request) => request.key === key);
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
      await producer.disconnect();
      await running.close();
      await readOnly.close();
      ctx.destroy();
      readOnlyCtx.destroy();
      await bridge.stop();
      destroyClients(clients);
      await endpoint.stop();
      await deleteTopics([topic]).catch(() => undefined);
    },
  });
}

/** The sequence number a test record carries in its value. */
export function seqOf(request: ReceivedRequest): number {
  const envelope = decodeEnvelope(request.body.toString('utf8'));
  const value =
    envelope.value !== null && 'inline' in envelope.value ? envelope.value.inline : Buffer.from('{}');
  return (JSON.parse(value.toString('utf8')) as { seq: number }).seq;
}
