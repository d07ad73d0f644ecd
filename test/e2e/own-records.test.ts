// The path a team tries first, as a newcomer walks it: a fresh config with a new route, `npm
// start -- --config ... --create-topics 4 --sample-endpoint <port>`, then the team's own JSON
// records fed with `kafka-bridge produce`, and the CLI on the run, every command taken from what
// `npm start` printed. The CLI runs without any AWS variable: it finds local mode's emulators
// itself from the config's local brokers. Ctrl-C (SIGINT to the process group) stops cleanly and
// npm exits 0; a supervisor's SIGINT to npm alone makes npm wait for the drain.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import { assertKafkaReachable, deleteTopics, kafkaBrokers, uniqueName } from '../support/kafka.ts';
import { eventually } from '../support/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(root, 'bin', 'kafka-bridge.js');
const RECORDS = 600;
const KEYS = 20;

/** The environment of a shell with no AWS or bridge variable: nothing tells the CLI where to go. */
const bareEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(AWS_|BRIDGE_)/.test(name)),
);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Started {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

/** `npm start -- <args>` in its own process group (as at a terminal), output collected. */
function npmStart(args: readonly string[]): Started {
  const child = spawn('npm', ['start', '--', ...args], { cwd: root, env: bareEnv, detached: true });
  const started: Started = {
    child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  const collect = (chunk: Buffer) => {
    started.output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return started;
}

/** Runs one command `npm start` printed (`npx kafka-bridge ...`) through the package's bin. */
async function printed(
  line: string,
  replace: Record<string, string> = {},
  more: string[] = [],
): Promise<string> {
  const words = line
    .replace(/\s+#.*$/, '')
    .trim()
    .split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ['npx', 'kafka-bridge'], line);
  const args = [...words.slice(2).map((word) => replace[word] ?? word), ...more];
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: root, env: bareEnv });
  return stdout;
}

describe('own records through local mode, and the CLI on that run', () => {
  let dir: string;
  const route = uniqueName('own');

  before(async () => {
    await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
    await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
    await assertKafkaReachable();
    dir = await mkdtemp(join(tmpdir(), 'own-records-'));
  });

  after(async () => {
    await deleteTopics([route]);
    await rm(dir, { recursive: true, force: true });
  });

  test('produce 600 JSON records of 20 keys, all delivered; status, dlq list, trace, dry-run replay as printed', {
    timeout: 240_000,
  }, async () => {
    const port = await freePort();
    const configFile = join(dir, 'bridge.own.config.mjs');
    const config = {
      kafka: { brokers: kafkaBrokers() },
      routes: [
        { name: route, topics: [route], endpoint: { type: 'http', url: `http://127.0.0.1:${port}/events` } },
      ],
    };
    await writeFile(configFile, `export default ${JSON.stringify(config)};\n`);
    const lines = Array.from({ length: RECORDS }, (_, i) =>
      JSON.stringify({
        key: `device-${i % KEYS}`,
        value: { reading: i, unit: 'C', note: 'not a sample order' },
      }),
    );
    const records = join(dir, 'records.jsonl');
    await writeFile(records, `${lines.join('\n')}\n`);

    const run = npmStart([
      '--config',
      configFile,
      '--create-topics',
      '4',
      '--sample-endpoint',
      String(port),
      '--plain',
      '--no-console',
    ]);
    try {
      await eventually(
        'local mode running',
        async () => (run.output.includes('running; Ctrl-C') ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
      const commands = run.output
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('npx kafka-bridge '));
      const command = (name: string) => {
        const found = commands.find((c) => c.startsWith(`npx kafka-bridge ${name} `));
        assert.ok(found, `npm start printed no ${name} command:\n${run.output}`);
        return found;
      };
      assert.doesNotMatch(
        run.output,
        /warning: route/,
        'the sample endpoint listens where the route delivers',
      );

      const produced = await printed(command('produce'), { 'records.jsonl': records });
      assert.match(produced, new RegExp(`produced ${RECORDS} record\\(s\\) to topic ${route}`));

      const status = await eventually(
        'every record committed',
        async () => {
          const [r] = JSON.parse(await printed(command('status'), {}, ['--json'])) as {
            inFlight: number;
            partitions: { logEnd: string; lag: string }[];
          }[];
          const ends = r?.partitions.reduce((sum, p) => sum + Number(p.logEnd), 0);
          return ends === RECORDS && r?.partitions.every((p) => Number(p.lag) === 0) ? r : undefined;
        },
        { timeoutMs: 150_000, intervalMs: 2_000 },
      );
      assert.equal(status.partitions.length, 4);
      assert.match(await printed(command('status')), new RegExp(`route ${route} .*DLQ 0`));

      const [list] = JSON.parse(await printed(command('dlq list'), {}, ['--json'])) as {
        deadLetters: unknown[];
        dlqDepth: number;
      }[];
      assert.deepEqual([list?.deadLetters.length, list?.dlqDepth], [0, 0], 'nothing dead-lettered');

      const traced = await printed(command('trace'));
      assert.match(traced, /state\s+delivered/);
      assert.match(traced, /committed\s+yes/);
      assert.doesNotMatch(traced, /attempts\s+0\b/, 'a delivered record had at least one attempt');

      const replay = await printed(command('dlq replay'));
      assert.match(replay, /dry run, nothing changed: 0 record\(s\) would be replayed/);

      // Ctrl-C at the terminal: SIGINT to the whole group (npm, scripts/start.sh, local mode).
      process.kill(-(run.child.pid ?? 0), 'SIGINT');
      assert.equal(await run.exited, 0, run.output);
      assert.match(run.output, new RegExp(`sample endpoint accepted ${RECORDS} record\\(s\\)`));
    } finally {
      if (run.child.exitCode === null) process.kill(-(run.child.pid ?? 0), 'SIGKILL');
    }
  });

  test("a supervisor's SIGINT to npm alone: npm returns 0 once local mode has drained", {
    timeout: 90_000,
  }, async () => {
    const configFile = join(dir, 'bridge.own.config.mjs');
    const run = npmStart(['--config', configFile, '--plain', '--no-console']);
    try {
      await eventually(
        'local mode running',
        async () => (run.output.includes('running; Ctrl-C') ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0, run.output);
      assert.match(run.output, /stopping: poller, then the batches in progress, then a final commit/);
      assert.match(run.output, /\[\d+s\] .*lag 0\s*$/, 'the last progress line came before npm returned');
    } finally {
      if (run.child.exitCode === null) process.kill(-(run.child.pid ?? 0), 'SIGKILL');
    }
  });
});
