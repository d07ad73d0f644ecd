// Docs that run: every command README.md and docs/*.md show that starts with `npm` or
// `npx kafka-bridge` (test/support/doc-commands.ts finds them) is run here, against local mode
// and the shared broker and emulators, or, for the few npm commands of NOT_RUN
// (test/support/doc-checks.ts, each with its reason), checked: the script exists and local
// mode's own parser takes the arguments. So a doc cannot show a subcommand, flag or script that
// does not exist, or a command that fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../lib/cli/main.ts';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import { argvForWorld, checkNotRun, notRun, parseCli } from '../support/doc-checks.ts';
import { commandsOf, type DocCommand, docCommands } from '../support/doc-commands.ts';
import { DocWorld } from '../support/doc-world.ts';
import { assertKafkaReachable } from '../support/kafka.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const commands = docCommands(root);
const cli = commands.filter((c) => c.words[0] === 'npx');
const npm = commands.filter((c) => c.words[0] === 'npm');

/** `where: command: problem` for each command `check` finds a problem in. */
async function problems(
  of: readonly DocCommand[],
  check: (c: DocCommand) => Promise<string | undefined>,
): Promise<string[]> {
  const found: string[] = [];
  for (const command of of) {
    let problem: string | undefined;
    try {
      problem = await check(command);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem !== undefined) found.push(`${command.where}: ${command.text}: ${problem}`);
  }
  return found;
}

/** The CLI's usage error for a doc command, or undefined when its parser takes it. */
async function cliParseProblem(command: DocCommand): Promise<string | undefined> {
  parseCli(command);
  return undefined;
}

describe('the commands the docs show', () => {
  test('there are some of each kind (the extraction works)', () => {
    assert.ok(cli.length > 0 && npm.length > 0, `found ${commands.length}`);
    assert.ok(
      npm.some((c) => notRun(c.words) === undefined),
      'some npm command is run',
    );
  });

  test('every `npx kafka-bridge` command is one the CLI parses', async () => {
    assert.deepEqual(await problems(cli, cliParseProblem), []);
  });

  test('every npm command not run is an existing script, with arguments local mode takes', async () => {
    const checked = npm.filter((c) => notRun(c.words) !== undefined);
    assert.deepEqual(await problems(checked, (c) => checkNotRun(c, root)), []);
  });

  test('every other npm command runs and exits 0', { timeout: 60_000 }, async () => {
    const runnable = npm.filter((c) => notRun(c.words) === undefined);
    const failed = await problems(runnable, async (c) => {
      await run('npm', c.words.slice(1), { cwd: root, timeout: 30_000 });
      return undefined;
    });
    assert.deepEqual(failed, []);
  });

  test('a doc showing a subcommand, flag or script that does not exist fails these checks', async () => {
    const drifted = commandsOf(
      'drift.md',
      [
        '```sh',
        'npx kafka-bridge dlq show orders/orders/0/1041 --payload',
        'npx kafka-bridge status orders',
        'npm run bench:nope',
        'npm start -- --frobnicate',
        'npm run soak -- --rate fast',
        '```',
        'Then `npx kafka-bridge dlq purge --route orders`.',
      ].join('\n'),
    );
    const cliProblems = await problems(
      drifted.filter((c) => c.words[0] === 'npx'),
      cliParseProblem,
    );
    const npmProblems = await problems(
      drifted.filter((c) => c.words[0] === 'npm'),
      (c) => checkNotRun(c, root),
    );
    assert.equal(cliProblems.length, 3, cliProblems.join('\n'));
    assert.match(cliProblems[0] ?? '', /drift\.md:2: .*unknown option --payload/);
    assert.match(cliProblems[1] ?? '', /drift\.md:3: .*unexpected argument "orders"/);
    assert.match(cliProblems[2] ?? '', /drift\.md:8: .*dlq needs list, show or replay, not "purge"/);
    assert.equal(npmProblems.length, 3, npmProblems.join('\n'));
    assert.match(npmProblems[0] ?? '', /no script bench:nope/);
    assert.match(npmProblems[1] ?? '', /unknown option --frobnicate/);
    assert.match(npmProblems[2] ?? '', /--rate must be a positive number, got fast/);
  });
});

describe('the `npx kafka-bridge` commands of the docs, run against local mode', () => {
  let world: DocWorld;

  before(async () => {
    await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
    await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
    await assertKafkaReachable();
    world = await DocWorld.start();
  });

  after(async () => {
    await world?.stop();
  });

  test('each exits 0 and prints no error', { timeout: 150_000 }, async () => {
    // A command shown in several places runs once; a failure names its first place.
    const distinct = cli.filter(
      (c, i) => cli.findIndex((d) => d.words.join(' ') === c.words.join(' ')) === i,
    );
    const failed = await problems(distinct, async (command) => {
      const parsed = parseCli(command);
      if (parsed.name === 'help') {
        // The bin the docs call, as a process: `npx kafka-bridge --help`.
        await run('npx', command.words.slice(1), { cwd: root, timeout: 30_000 });
        return undefined;
      }
      if (parsed.name === 'quarantine replay') await world.ensureQuarantined();
      const names = {
        route: world.route.name,
        recordId: world.recordId,
        key: world.key,
        configFile: world.configFile,
      };
      const argv = await argvForWorld(command, names, root);
      const err: string[] = [];
      // `console` serves until stopped: stop it once it printed its URL.
      const stop = new AbortController();
      const code = await main(argv, {
        out: (t) => {
          if (t.startsWith('console: http://127.0.0.1:')) stop.abort();
        },
        err: (t) => err.push(t),
        env: world.env,
        cwd: root,
        signal: stop.signal,
        // The docs show what an operator types at a terminal, where a replay of several
        // records or a reset asks to go on: the operator answers yes.
        confirm: async () => true,
      });
      return code === 0 && err.length === 0
        ? undefined
        : `exit ${code} (${argv.join(' ')}): ${err.join(' ')}`;
    });
    assert.deepEqual(failed, []);
  });
});
