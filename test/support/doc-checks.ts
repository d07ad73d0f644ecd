import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Command, parseCommand } from '../../lib/cli/command.ts';
import { parseLocalArgs } from '../../lib/local/args.ts';
import { loadBridgeConfigFile } from '../../lib/runtime/config.ts';
import type { DocCommand } from './doc-commands.ts';

/*
 * How test/e2e/doc-commands.test.ts treats each command the docs show. Every command is run,
 * except the npm commands of NOT_RUN, which are checked instead (the script exists, local mode's
 * own parser takes the arguments). A new doc command is therefore run unless someone adds it
 * here with a reason. `npx kafka-bridge` commands are first parsed by the CLI's own parser
 * (lib/cli/command.ts), then run against a local-mode world with the docs' example names
 * (route `orders`, topic `orders`, key `order-77`, or `<route>`, `<topic>`, `<key>`) replaced by
 * the world's.
 */

interface NotRun {
  /** The words after `npm`; `*` (or `…`) in a script name stands for any characters. */
  readonly npm: readonly string[];
  readonly reason: string;
  /** Whether the command stays runnable (run it instead): `npm start -- --help` is. */
  readonly unless?: (args: readonly string[]) => boolean;
  readonly check: (command: NpmCommand, root: string) => Promise<string | undefined>;
}

interface NpmCommand {
  /** What npm runs: a script name, or npm's own command (`ci`, `view`). */
  readonly name: string;
  /** The arguments after `--`. */
  readonly args: readonly string[];
}

const helpOnly = (args: readonly string[]) => args.length === 1 && ['--help', '-h'].includes(args[0] ?? '');

export const NOT_RUN: readonly NotRun[] = [
  { npm: ['ci'], reason: 'reinstalls node_modules under the running tests', check: lockfile },
  { npm: ['test'], reason: 'the whole suite, this test included', check: script },
  { npm: ['run', 'test:reliability'], reason: 'the fault suite takes minutes', check: script },
  { npm: ['run', 'infra:down'], reason: 'would stop the shared broker and emulators', check: script },
  {
    npm: ['start'],
    reason: 'runs until Ctrl-C (the demo for minutes; test/e2e/demo.test.ts runs it)',
    unless: helpOnly,
    check: localMode,
  },
  { npm: ['run', 'demo'], reason: 'the demo runs until Ctrl-C', unless: helpOnly, check: localMode },
  {
    npm: ['run', 'bench:*'],
    reason: 'benchmarks take minutes and must not share the machine',
    check: scriptArgs,
  },
  { npm: ['run', 'soak'], reason: 'minutes of injected faults', check: scriptArgs },
  { npm: ['view'], reason: 'asks the npm registry', check: async () => undefined },
  {
    npm: ['install'],
    reason:
      "installs the package into a platform's own app; test/e2e/package.test.ts installs the packed tarball into one",
    check: async () => undefined,
  },
  {
    npm: ['pack'],
    reason:
      'builds dist/ and writes a tarball into the checkout; test/e2e/package.test.ts packs into a temporary directory',
    check: async (_, root) => script({ name: 'prepack', args: [] }, root),
  },
  {
    npm: ['run', 'docs:console'],
    reason: 'the console browser test with screenshots (test/e2e/console.test.ts runs it)',
    check: script,
  },
];

/** The npm command and its arguments after `--`: `npm run x -- a` is script x with [a]. */
function npmCommand(words: readonly string[]): NpmCommand {
  const [, first = '', second = ''] = words;
  const rest = words.slice(first === 'run' ? 3 : 2);
  const dashes = rest.indexOf('--');
  return { name: first === 'run' ? second : first, args: dashes === -1 ? rest : rest.slice(dashes + 1) };
}

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/[*…]/g, '.*')}$`);

/** The NOT_RUN entry of an npm command, or undefined: it is to be run. */
export function notRun(words: readonly string[]): NotRun | undefined {
  return NOT_RUN.find(({ npm, unless }) => {
    const matches = npm.every((word, i) => glob(word).test(words[i + 1] ?? ''));
    return matches && !(unless?.(npmCommand(words).args) ?? false);
  });
}

/** Checks an npm command that is not run; the problem, or undefined. */
export async function checkNotRun(command: DocCommand, root: string): Promise<string | undefined> {
  const entry = notRun(command.words);
  return entry?.check(npmCommand(command.words), root);
}

async function lockfile(_: NpmCommand, root: string): Promise<string | undefined> {
  return existsSync(join(root, 'package-lock.json')) ? undefined : 'npm ci needs package-lock.json';
}

function scripts(root: string): Record<string, string> {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
}

async function script(command: NpmCommand, root: string): Promise<string | undefined> {
  const names = Object.keys(scripts(root));
  return names.some((name) => glob(command.name).test(name))
    ? undefined
    : `package.json has no script ${command.name} (scripts: ${names.join(', ')})`;
}

/**
 * A script that ends in `node <file>.ts` (benchmarks, the soak): it exists, and the file takes
 * the arguments: run with BRIDGE_ARGS_CHECK=1, it parses them and exits before any work
 * (bench/lib/args.ts). A synopsis (`[--records N]`, `<n>`) is not a command: its arguments are
 * not checked.
 */
async function scriptArgs(command: NpmCommand, root: string): Promise<string | undefined> {
  const missing = await script(command, root);
  if (missing !== undefined || command.args.length === 0) return missing;
  if (command.args.some((arg) => /[[\]<>]/.test(arg))) return undefined;
  const text = scripts(root)[command.name] ?? '';
  const file = /(?:^|&&\s*)node (\S+\.ts)$/.exec(text)?.[1];
  if (file === undefined)
    return `script ${command.name} does not end in node <file>.ts: its arguments cannot be checked`;
  try {
    await promisify(execFile)(process.execPath, [file, ...command.args], {
      cwd: root,
      env: { ...process.env, BRIDGE_ARGS_CHECK: '1' },
      timeout: 30_000,
    });
    return undefined;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    return /^\w*Error: .*$/m.exec(stderr)?.[0] ?? `${file} refused the arguments: ${stderr.slice(0, 300)}`;
  }
}

/** `npm start` / `npm run demo`: the script, local mode's parser, and the config file it names. */
async function localMode(command: NpmCommand, root: string): Promise<string | undefined> {
  const missing = await script(command, root);
  if (missing !== undefined) return missing;
  try {
    const values = parseLocalArgs(command.args);
    if (values.config !== undefined) await loadBridgeConfigFile(join(root, values.config));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

/** The CLI's own parse of a doc's `npx kafka-bridge` command; throws its usage error. */
export function parseCli(command: DocCommand): Command {
  return parseCommand(command.words.slice(2));
}

/** What the docs' example names stand for in the world the commands run in. */
export interface WorldNames {
  readonly route: string;
  readonly recordId: string;
  readonly key: string;
  readonly configFile: string;
}

const EXAMPLE_ROUTE = new Set(['orders', '<route>']);
const EXAMPLE_KEY = new Set(['order-77', '<key>']);
const EXAMPLE_RECORD = /^(?:orders|<route>)\/(?:orders|<topic>)\/(?:\d+|<partition>)\/(?:\d+|<offset>)$/;

/**
 * The doc command's CLI arguments with the example names replaced by the world's, and the
 * world's config unless the command names one (which must exist in the repository and load).
 * Throws naming an example value the docs should not use (the world cannot stand in for it).
 */
export async function argvForWorld(command: DocCommand, names: WorldNames, root: string): Promise<string[]> {
  const parsed = parseCli(command);
  const args = command.words.slice(2);
  const example = (value: string, known: Set<string> | RegExp, what: string, world: string) => {
    if (known instanceof Set ? known.has(value) : known.test(value)) return world;
    throw new Error(
      `${what} ${value} is not an example name the test knows (use ${[...(known instanceof Set ? known : [String(known)])].join(' or ')})`,
    );
  };
  const out: string[] = [];
  for (const [i, word] of args.entries()) {
    const previous = args[i - 1];
    if (previous === '--route') out.push(example(word, EXAMPLE_ROUTE, 'route', names.route));
    else if (previous === '--key') out.push(example(word, EXAMPLE_KEY, 'key', names.key));
    else if (previous === '--config') {
      await loadBridgeConfigFile(join(root, word));
      out.push(names.configFile);
    } else if (
      (parsed.name === 'dlq show' && word === parsed.recordId) ||
      (parsed.name === 'trace' && word === parsed.record)
    )
      out.push(example(word, EXAMPLE_RECORD, 'record id', names.recordId));
    else if (parsed.name === 'quarantine replay' && word === parsed.key)
      out.push(example(word, EXAMPLE_KEY, 'key', names.key));
    else out.push(word);
  }
  return args.includes('--config') ? out : [...out, '--config', names.configFile];
}
