import { parseArgs } from 'node:util';
import { didYouMean, optionProblem } from '../did-you-mean.ts';
import type { ResourceOptions } from './context.ts';
import type { DeadLetterFilter } from './dlq.ts';
import { usageError } from './errors.ts';
import type { ResetTarget } from './reset.ts';

/*
 * The command line of `kafka-bridge`, parsed and checked without touching AWS or Kafka: every
 * subcommand, argument and flag must be one the command has, with a valid value. main.ts runs
 * what this returns; a test of the docs uses it to check commands it cannot run here.
 */

/** Flags every command takes. */
const COMMON = {
  config: { type: 'string' },
  route: { type: 'string' },
  json: { type: 'boolean' },
  endpoint: { type: 'string' },
  'sqs-endpoint': { type: 'string' },
  table: { type: 'string' },
  bucket: { type: 'string' },
  region: { type: 'string' },
  'bucket-owner': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OPTIONS = {
  ...COMMON,
  key: { type: 'string' },
  since: { type: 'string' },
  error: { type: 'string' },
  wait: { type: 'string' },
  'to-offset': { type: 'string' },
  'to-time': { type: 'string' },
  partition: { type: 'string' },
  topic: { type: 'string' },
  port: { type: 'string' },
  'allow-replay': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean' },
  file: { type: 'string' },
  rate: { type: 'string' },
} as const;

type Flag = keyof typeof OPTIONS;
const FILTER: readonly Flag[] = ['key', 'since', 'error'];
/** What changes things can be previewed (--dry-run) and confirmed ahead (--yes). */
const CHANGE: readonly Flag[] = ['dry-run', 'yes'];

/** Each command: its words, its argument (what it needs, if any) and the flags beyond COMMON it has. */
const COMMANDS = {
  status: { needs: undefined, flags: [] },
  'dlq list': { needs: undefined, flags: FILTER },
  'dlq show': { needs: 'a record id: dlq show <route>/<topic>/<partition>/<offset>', flags: [] },
  'dlq replay': { needs: undefined, flags: [...FILTER, 'wait', ...CHANGE] },
  'quarantine list': { needs: undefined, flags: [] },
  'quarantine replay': { needs: 'a key: quarantine replay <key>', flags: ['wait', ...CHANGE] },
  trace: { needs: 'a record: trace <route>/<topic>/<partition>/<offset>', flags: [] },
  reset: { needs: undefined, flags: ['to-offset', 'to-time', 'partition', 'topic', ...CHANGE] },
  console: { needs: undefined, flags: ['port', 'allow-replay'] },
  'migrate-keys': { needs: undefined, flags: ['dry-run'] },
  produce: { needs: undefined, flags: ['topic', 'file', 'rate'] },
} as const satisfies Record<string, { needs: string | undefined; flags: readonly Flag[] }>;

export type CommandName = keyof typeof COMMANDS;

/** What every command shares: where the config and the resources are, and the output form. */
export interface CommonOptions {
  readonly config?: string;
  readonly route?: string;
  readonly json: boolean;
  readonly resources: ResourceOptions;
}

/** A command that changes things: preview it, or confirm it ahead (no prompt). */
export interface ChangeOptions {
  readonly dryRun: boolean;
  readonly yes: boolean;
}

export type Command = CommonOptions &
  /** `asked`: --help was given (exit 0), rather than no command at all (exit 2). */
  (
    | { readonly name: 'help'; readonly asked: boolean }
    | { readonly name: 'status' | 'quarantine list' }
    | { readonly name: 'dlq list'; readonly filter: DeadLetterFilter }
    | { readonly name: 'dlq show'; readonly recordId: string }
    | ({
        readonly name: 'dlq replay';
        readonly route: string;
        readonly filter: DeadLetterFilter;
        readonly waitMs?: number;
      } & ChangeOptions)
    | ({ readonly name: 'quarantine replay'; readonly key: string; readonly waitMs?: number } & ChangeOptions)
    | { readonly name: 'trace'; readonly record: string }
    /** Copies items of releases before the table's kind tags to their keys (lib/cli/migrate-keys.ts). */
    | { readonly name: 'migrate-keys'; readonly dryRun: boolean }
    /** Records from `file` (none: stdin) onto the route's topic, `rate` a second (0: at once). */
    | { readonly name: 'produce'; readonly file?: string; readonly topic?: string; readonly rate: number }
    /** The operator console (docs/console.md); `port` 0 picks a free one. */
    | { readonly name: 'console'; readonly port: number; readonly allowReplay: boolean }
    | ({
        readonly name: 'reset';
        readonly route: string;
        readonly to: ResetTarget;
        readonly partition?: number;
        readonly topic?: string;
      } & ChangeOptions)
  );

/**
 * Parses and checks a command line (without the program name). Throws a usage error (exit 2)
 * naming what is wrong; `--help`, or no command at all, is the `help` command.
 */
export function parseCommand(argv: readonly string[]): Command {
  const { values, positionals } = parseLine(argv);
  const common: CommonOptions = {
    ...(values.config === undefined ? {} : { config: values.config }),
    ...(values.route === undefined ? {} : { route: values.route }),
    json: values.json === true,
    resources: {
      ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
      ...(values['sqs-endpoint'] === undefined ? {} : { sqsEndpoint: values['sqs-endpoint'] }),
      ...(values.table === undefined ? {} : { table: values.table }),
      ...(values.bucket === undefined ? {} : { bucket: values.bucket }),
      ...(values.region === undefined ? {} : { region: values.region }),
      ...(values['bucket-owner'] === undefined ? {} : { bucketOwner: values['bucket-owner'] }),
    },
  };
  if (values.help === true || positionals.length === 0)
    return { ...common, name: 'help', asked: values.help === true };
  const name = commandName(positionals);
  const spec = COMMANDS[name];
  const args = positionals.slice(name.split(' ').length);
  const count = spec.needs === undefined ? 0 : 1;
  if (spec.needs !== undefined && args.length === 0) throw usageError(`${name} needs ${spec.needs}`);
  if (args.length > count) throw usageError(`unexpected argument ${JSON.stringify(args[count])}`);
  const allowed: readonly Flag[] = spec.flags;
  for (const flag of Object.keys(values) as Flag[]) {
    if (!(flag in COMMON) && !allowed.includes(flag)) {
      throw usageError(
        `${name} has no --${flag}${allowed.length === 0 ? '' : ` (it takes ${allowed.map((f) => `--${f}`).join(', ')})`}`,
      );
    }
  }
  const wait = values.wait === undefined ? {} : { waitMs: seconds(values.wait, '--wait') * 1000 };
  const change: ChangeOptions = { dryRun: values['dry-run'] === true, yes: values.yes === true };
  const [arg = ''] = args;
  switch (name) {
    case 'dlq list':
      return { ...common, name, filter: deadLetterFilter(values) };
    case 'dlq show':
      return { ...common, name, recordId: arg };
    case 'dlq replay':
      // Never every route by default: a replay re-sends records to teams' endpoints.
      if (values.route === undefined) throw usageError('dlq replay needs --route <name>');
      return { ...common, name, route: values.route, filter: deadLetterFilter(values), ...wait, ...change };
    case 'quarantine replay':
      return { ...common, name, key: arg, ...wait, ...change };
    case 'trace':
      return { ...common, name, record: arg };
    case 'migrate-keys':
      return { ...common, name, dryRun: change.dryRun };
    case 'produce': {
      const rate = values.rate === undefined ? 0 : Number(values.rate);
      if (!Number.isFinite(rate) || rate < 0)
        throw usageError(
          `--rate ${values.rate} is not a number of records a second (>= 0; 0: as fast as possible)`,
        );
      return {
        ...common,
        name,
        rate,
        ...(values.file === undefined || values.file === '-' ? {} : { file: values.file }),
        ...(values.topic === undefined ? {} : { topic: values.topic }),
      };
    }
    case 'console': {
      const port = values.port === undefined ? 0 : integer(values.port, '--port');
      if (port > 65_535) throw usageError(`--port ${port} is not a port (0-65535)`);
      return { ...common, name, port, allowReplay: values['allow-replay'] === true };
    }
    case 'reset': {
      if (values.route === undefined) throw usageError('reset needs --route <name>');
      return {
        ...common,
        name,
        route: values.route,
        to: resetTarget(values),
        ...(values.partition === undefined ? {} : { partition: integer(values.partition, '--partition') }),
        ...(values.topic === undefined ? {} : { topic: values.topic }),
        ...change,
      };
    }
    default:
      return { ...common, name };
  }
}

type Values = ReturnType<typeof parseLine>['values'];

function parseLine(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(
      optionProblem(error instanceof Error ? error.message : String(error), Object.keys(OPTIONS)),
    );
  }
}

function commandName(positionals: readonly string[]): CommandName {
  const [first = '', second] = positionals;
  if (first === 'dlq' || first === 'quarantine') {
    const subs = Object.keys(COMMANDS)
      .filter((name) => name.startsWith(`${first} `))
      .map((name) => name.slice(first.length + 1));
    const name = `${first} ${second ?? ''}`;
    if (second !== undefined && name in COMMANDS) return name as CommandName;
    throw usageError(
      `${first} needs ${subs.slice(0, -1).join(', ')} or ${subs.at(-1)}${second === undefined ? '' : `, not ${JSON.stringify(second)}${didYouMean(second, subs)}`}`,
    );
  }
  if (first in COMMANDS) return first as CommandName;
  const words = [...new Set(Object.keys(COMMANDS).map((name) => name.split(' ')[0] ?? name))];
  throw usageError(`unknown command ${JSON.stringify(first)}${didYouMean(first, words)}`);
}

function deadLetterFilter(values: Values): DeadLetterFilter {
  return {
    ...(values.key === undefined ? {} : { key: values.key }),
    ...(values.since === undefined ? {} : { since: time(values.since, '--since') }),
    ...(values.error === undefined ? {} : { error: values.error }),
  };
}

function resetTarget(values: Values): ResetTarget {
  const offset = values['to-offset'];
  const at = values['to-time'];
  if ((offset === undefined) === (at === undefined))
    throw usageError('reset needs exactly one of --to-offset N or --to-time ISO');
  if (offset !== undefined) {
    if (!/^(?:0|[1-9]\d{0,18})$/.test(offset))
      throw usageError(`--to-offset ${offset} is not an offset (a non-negative integer)`);
    return { offset: BigInt(offset) };
  }
  return { time: time(at ?? '', '--to-time') };
}

function time(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw usageError(`${flag} ${text} is not a time: use ISO 8601, e.g. 2026-11-23T09:00:00Z`);
  return ms;
}

function integer(text: string, flag: string): number {
  if (!/^(?:0|[1-9]\d{0,9})$/.test(text)) throw usageError(`${flag} ${text} is not a non-negative integer`);
  return Number(text);
}

function seconds(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw usageError(`${flag} ${text} is not a positive number of seconds`);
  return value;
}
