// The poller process (functions/poller.ts, as on Fargate) started with a bad config: it must
// exit at once with code 1 and one clear error line naming the route and the fields, instead of
// retrying silently or starting half-configured. Fargate restarts a task that exits; the error
// line is what the operator finds in the task's log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { kafkaBrokers, uniqueName } from '../support/kafka.ts';
import { pollerProcessEnv } from '../support/poller-process.ts';

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the poller with BRIDGE_CONFIG_JSON = `configJson` until it exits (at most 20 s). */
async function runPoller(configJson: string): Promise<Outcome> {
  const env = pollerProcessEnv({}, 'unused-bucket', { metricsIntervalMs: 60_000, progressPollMs: 300 });
  env.BRIDGE_CONFIG_JSON = configJson;
  const started = Date.now();
  const child = spawn(process.execPath, ['functions/poller.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode) => resolve(exitCode)),
  );
  clearTimeout(timer);
  return { code, stdout, stderr, ms: Date.now() - started };
}

/** The JSON log lines of `text` (the poller writes one object a line). */
function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function assertOneStartError(outcome: Outcome, expected: readonly RegExp[]): void {
  assert.equal(outcome.code, 1, `exit code; stderr: ${outcome.stderr}`);
  assert.ok(outcome.ms < 15_000, `exited after ${outcome.ms} ms`);
  assert.doesNotMatch(outcome.stdout, /health endpoint listening|"polling"/);
  const errors = lines(outcome.stderr);
  assert.equal(errors.length, 1, outcome.stderr);
  const [line] = errors;
  assert.equal(line?.level, 'error');
  assert.equal(line?.message, 'poller failed to start');
  for (const pattern of expected) assert.match(String(line?.error), pattern);
}

test('an invalid route config: exit 1 with one line naming the route and every bad field', {
  timeout: 30_000,
}, async () => {
  const config = {
    kafka: { brokers: kafkaBrokers() },
    routes: [
      {
        name: 'orders',
        topics: ['orders'],
        endpoint: { type: 'http', url: 'ftp://orders.example.com/kafka' },
        maxInflight: 10,
        retry: { attempts: 0 },
      },
      { name: 'orders', topics: ['payments'], endpoint: { type: 'http', url: 'https://p.example.com/' } },
    ],
  };
  const outcome = await runPoller(JSON.stringify(config));
  assertOneStartError(outcome, [
    /invalid bridge config \(4 problems\)/,
    /routes\[orders\]\.endpoint\.url: must use https:\/\/ \(got ftp:\/\/\)/,
    /routes\[orders\]\.maxInflight: is not a known setting/,
    /routes\[orders\]\.retry\.attempts/,
    /routes\[orders\]\.name: orders is also the name of routes\[0\]/,
  ]);
});

test('a prototype-pollution key in the config JSON: exit 1 naming it', { timeout: 30_000 }, async () => {
  const outcome = await runPoller(
    `{"kafka":{"brokers":["127.0.0.1:9092"]},"routes":[{"name":"orders","topics":["orders"],"endpoint":{"type":"http","url":"https://o.example.com/"},"__proto__":{"maxInFlight":1}}]}`,
  );
  assertOneStartError(outcome, [/routes\[orders\]\.__proto__: is not a known setting/]);
});

test('config JSON that does not parse: exit 1 saying so', { timeout: 30_000 }, async () => {
  const outcome = await runPoller('{"kafka": {"brokers": ["127.0.0.1:9092"]}, "routes": [');
  assertOneStartError(outcome, [/BRIDGE_CONFIG_JSON is not valid JSON/]);
});

test("a valid config whose route's queue does not exist: exit 1 naming the queue", {
  timeout: 30_000,
}, async () => {
  const name = uniqueName('noqueue').replaceAll('.', '-').toLowerCase().slice(0, 40);
  const config = {
    kafka: { brokers: kafkaBrokers() },
    routes: [{ name, topics: ['orders'], endpoint: { type: 'http', url: 'http://127.0.0.1:1/hook' } }],
  };
  const outcome = await runPoller(JSON.stringify(config));
  assertOneStartError(outcome, [
    new RegExp(`poller of route ${name}: GetQueueUrl ${name}\\.fifo failed: .*does not exist`),
  ]);
});
