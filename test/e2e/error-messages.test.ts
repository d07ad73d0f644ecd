// Each error a newcomer met on the first path (issue: "errors that point at the fix"), held to
// the fix it names: the config to pass, the variable to set, or the name they meant. Each runs
// the way the newcomer ran it (the CLI's bin, local mode's entry, the CDK app), in a shell with
// no AWS or bridge variable.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../lib/cli/main.ts';
import { parseBridgeConfig } from '../../lib/config/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bareEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(AWS_|BRIDGE_|KAFKA_BROKERS$|CDK_)/.test(name)),
);

interface Ran {
  readonly code: number;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, file), ...args],
      { cwd: root, env: { ...bareEnv, ...env }, timeout: 60_000 },
      (error, _stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stderr });
      },
    );
  });
}

const cli = (...args: string[]) => run('bin/kafka-bridge.js', args);

function configProblems(input: unknown): string {
  try {
    parseBridgeConfig(input);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the config was accepted');
}

describe('errors that name the fix', () => {
  test("no --config: the deploy config's placeholder brokers name the config to pass, at once", async () => {
    const err: string[] = [];
    const started = Date.now();
    const code = await main(['status'], {
      out: () => undefined,
      err: (t) => err.push(t),
      env: bareEnv,
      cwd: root,
    });
    const ms = Date.now() - started;
    const stderr = err.join('\n');
    assert.equal(code, 1);
    assert.match(stderr, /kafka\.brokers \(b-1\.example\.kafka\.[^)]*\) are placeholders/);
    assert.match(stderr, /pass --config bridge\.local\.config\.ts/);
    assert.match(stderr, /set KAFKA_BROKERS .* and AWS_REGION/);
    // Told from the config alone, before any connection (it used to take 8.9 s of retries).
    assert.ok(ms < 2_000, `answered after ${ms} ms`);
  });

  test("a local config without any AWS variable reads local mode's emulators, not AWS", async () => {
    const err: string[] = [];
    const code = await main(['dlq', 'list', '--config', 'bridge.local.config.ts'], {
      out: () => undefined,
      err: (t) => err.push(t),
      env: bareEnv,
      cwd: root,
    });
    const stderr = err.join('\n');
    assert.doesNotMatch(stderr, /Region is missing|no AWS region/);
    // Either it answered (local mode ran these routes once) or it names local mode's emulator.
    if (code !== 0)
      assert.match(stderr, /at http:\/\/127\.0\.0\.1:\d+: deploy the stack or start local mode/);
  });

  test('remote brokers and no region: names AWS_REGION and the local config', async () => {
    const names = ['--table', 'completions', '--bucket', 'archive'];
    const { code, stderr } = await run('bin/kafka-bridge.js', ['dlq', 'list', ...names], {
      KAFKA_BROKERS: 'kafka-1.internal.test:9092',
    });
    assert.equal(code, 1);
    assert.match(stderr, /no AWS region: for a deployed stack set AWS_REGION \(or pass --region\)/);
    assert.match(stderr, /--config bridge\.local\.config\.ts/);
    assert.doesNotMatch(stderr, /Region is missing/);
  });

  test('a mistyped option or command gets the name it meant', async () => {
    const option = await cli('status', '--rout', 'orders');
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option --rout \(did you mean --route\?\)/);
    const command = await cli('stauts');
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "stauts" \(did you mean status\?\)/);
    const sub = await cli('dlq', 'lst');
    assert.match(sub.stderr, /dlq needs list, show or replay, not "lst" \(did you mean list\?\)/);
    const local = await run('functions/local.ts', ['--sample-endpont', '8787']);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /unknown option --sample-endpont \(did you mean --sample-endpoint\?\)/);
  });

  test('dlq show names itself in its errors, not trace', async () => {
    const { code, stderr } = await cli('dlq', 'show', '2/43', '--config', 'bridge.local.config.ts');
    assert.equal(code, 2);
    assert.match(
      stderr,
      /^kafka-bridge: dlq show: record id "2\/43" must look like route\/topic\/partition\/offset/,
    );
    assert.doesNotMatch(stderr, /trace/);
  });

  test('a config key with a typo gets the setting it meant; values are described in our words', () => {
    const message = configProblems({
      kafka: { brokers: ['127.0.0.1:9092'] },
      routes: [
        {
          name: 'orders',
          topics: ['orders'],
          endpoint: { type: 'http', url: 'https://orders.example.com/kafka', timeoutMs: '5000' },
          retries: { attempts: 3 },
          ordering: 'keys',
        },
      ],
    });
    assert.match(message, /routes\[orders\]\.retries: is not a known setting \(did you mean retry\?\)/);
    assert.match(message, /routes\[orders\]\.endpoint\.timeoutMs: must be a number, got the string "5000"/);
    assert.match(
      message,
      /routes\[orders\]\.ordering: must be one of "key", .*got the string "keys" \(did you mean key\?\)/,
    );
    assert.doesNotMatch(message, /Invalid input|expected number, received/);
  });

  test('synth with an invalid config prints the list once, without a stack', {
    timeout: 90_000,
  }, async () => {
    // Loopback brokers are refused in a deployed stack (deploy mode).
    const { code, stderr } = await run('cdk/bin/app.ts', [], { KAFKA_BROKERS: '127.0.0.1:9092' });
    assert.equal(code, 1);
    assert.equal(stderr.match(/invalid bridge config/g)?.length, 1, stderr);
    assert.match(stderr, /kafka\.brokers\[0\]: must not be a loopback address/);
    assert.match(stderr, /fix: correct the field\(s\) above in bridge\.config\.ts/);
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  });
});
