import { parseArgs } from 'node:util';
import { optionProblem } from '../did-you-mean.ts';
import { LocalModeError } from './errors.ts';

/*
 * Local mode's command line (`npm start -- ...`, functions/local.ts): parsed and every value
 * checked before anything starts, so a typo fails at once. A test of the docs checks the
 * `npm start` commands it does not run with parseLocalArgs.
 */

export const USAGE = `usage:
  npm start [-- --demo] [demo options]       run the demo (the default)
  npm start -- --config <file> [--route <name>]... [--create-topics <partitions>] [--sample-endpoint <port>]

config options:
  --config <file>            your routes (default with --route: bridge.local.config.ts, which runs
                             bridge.config.ts's routes against the local broker)
  --route <name>             run only this route (repeatable; default: all routes of the file)
  --create-topics <n>        create the routes' missing topics with n partitions
  --sample-endpoint <port>   also serve the sample endpoint on this port, accepting any record
                             (bridge.local.config.ts points every route at 8787); --latency-ms,
                             --failure-rate and --poison-rate apply to it
  (npm start prints the npx kafka-bridge commands for the routes it runs: produce, status, ...)

demo options:
  --records <n>          stop once n records are produced and committed (default: run until Ctrl-C)
  --summary-json <file>  write the summary as JSON
  --partitions <n>       partitions of the demo topic (default 4)
  --keys <n>             distinct record keys (default 50)
  --rate <n>             records produced per second, 0 for as fast as possible (default 15)
  --latency-ms <n>       sample endpoint's mean answer time (default 20)
  --failure-rate <x>     share of requests answered 503, retried (default 0.05)
  --poison-rate <x>      share of records always answered 422, dead-lettered (default 0.005)
  --endpoint-port <n>    sample endpoint's port (default 0: a free one)
  --timeout <seconds>    give up after this long (default 600 with --records)
  --plain                plain progress lines even on a terminal

console options (both modes; docs/console.md):
  --console-port <n>     the operator console's port on 127.0.0.1 (default 0: a free one)
  --allow-replay         let the console replay dead letters and quarantined keys (default read-only)
  --no-console           do not serve the console`;

export class UsageError extends LocalModeError {}

const OPTIONS = {
  demo: { type: 'boolean' },
  config: { type: 'string' },
  route: { type: 'string', multiple: true },
  'create-topics': { type: 'string' },
  'sample-endpoint': { type: 'string' },
  records: { type: 'string' },
  'summary-json': { type: 'string' },
  partitions: { type: 'string' },
  keys: { type: 'string' },
  rate: { type: 'string' },
  'latency-ms': { type: 'string' },
  'failure-rate': { type: 'string' },
  'poison-rate': { type: 'string' },
  'endpoint-port': { type: 'string' },
  timeout: { type: 'string' },
  plain: { type: 'boolean' },
  'console-port': { type: 'string' },
  'allow-replay': { type: 'boolean' },
  'no-console': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type LocalArgs = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

const wholeAtLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min;
const share = (n: number) => n >= 0 && n < 1;
const atLeastZero = (n: number) => n >= 0;

/** The numeric flags: the rule each value must meet and how to say it. */
const NUMBERS = {
  'create-topics': [wholeAtLeast(1), 'a whole number >= 1'],
  'sample-endpoint': [wholeAtLeast(0), 'a port number'],
  records: [wholeAtLeast(1), 'a whole number >= 1'],
  partitions: [wholeAtLeast(1), 'a whole number >= 1'],
  keys: [wholeAtLeast(1), 'a whole number >= 1'],
  rate: [atLeastZero, 'a number >= 0'],
  'latency-ms': [atLeastZero, 'a number >= 0'],
  'failure-rate': [share, 'a number in [0, 1)'],
  'poison-rate': [share, 'a number in [0, 1)'],
  'endpoint-port': [wholeAtLeast(0), 'a port number'],
  timeout: [wholeAtLeast(1), 'a whole number of seconds >= 1'],
  'console-port': [(n: number) => wholeAtLeast(0)(n) && n <= 65_535, 'a port number'],
} as const satisfies Record<string, readonly [(n: number) => boolean, string]>;

/** Parses the command line and checks every value; a UsageError names the first bad one. */
export function parseLocalArgs(argv: readonly string[]): LocalArgs {
  let values: LocalArgs;
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: OPTIONS }).values;
  } catch (error) {
    throw new UsageError(
      optionProblem((error as Error).message, Object.keys(OPTIONS)),
      'see npm start -- --help',
    );
  }
  for (const name of Object.keys(NUMBERS) as (keyof typeof NUMBERS)[]) numberFlag(values, name);
  if (values.demo === true && (values.config !== undefined || values.route !== undefined)) {
    throw new UsageError('--demo and --config exclude each other', 'pass one of them');
  }
  return values;
}

/** The value of a numeric flag, or undefined when it was not given. */
export function numberFlag(values: LocalArgs, name: keyof typeof NUMBERS): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const [rule, what] = NUMBERS[name];
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !rule(value)) {
    throw new UsageError(`--${name} must be ${what}, got ${JSON.stringify(text)}`, 'see npm start -- --help');
  }
  return value;
}
