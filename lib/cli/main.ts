import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BridgeError } from '../errors.ts';
import { CliContext, DEFAULT_BUCKET, DEFAULT_COMPLETION_TABLE, loadConfig } from './context.ts';
import { type DeadLetterFilter, dlqList, dlqReplay, dlqShow } from './dlq.ts';
import { CliError, usageError } from './errors.ts';
import { json, short, table } from './format.ts';
import { quarantineList, quarantineReplay } from './quarantine.ts';
import type { ReplayReport } from './replay.ts';
import { type ResetTarget, reset } from './reset.ts';
import { status } from './status.ts';
import { trace } from './trace.ts';

export const USAGE = `kafka-bridge <command> [options]

Commands:
  status                          per route and partition: committed offset, log end, lag;
                                  per route: in flight, queue depth, DLQ depth
  dlq list                        dead letters waiting (record id, reason, time, key)
  dlq show <record-id>            one dead letter: metadata, payload preview, error history
  dlq replay                      dead letters back into the queue, in offset order per key
  quarantine list                 quarantined keys and how many records are parked behind them
  quarantine replay <key>         a key's dead letter and parked records, in order; lifts the quarantine
  trace <route>/<topic>/<partition>/<offset>
                                  where one record is: forwarded, attempts, outcome, committed
  reset --to-offset N | --to-time ISO [--partition P] [--topic T]
                                  moves the route's progress group (needs --route)

Options:
  --config FILE       bridge config (default bridge.config.ts)
  --route NAME        one route (default: every route; required by reset)
  --json              machine-readable output
  --key K             dlq list/replay: only this record key (text, or base64:...)
  --since ISO         dlq list/replay: only dead letters archived at or after this time
  --error TEXT        dlq list/replay: only those whose error contains TEXT
  --wait SECONDS      replays: how long to wait for each record of a quarantined key (default 60)
  --endpoint URL      AWS endpoint for S3 and DynamoDB (default AWS_ENDPOINT_URL, else AWS)
  --sqs-endpoint URL  SQS endpoint (default AWS_ENDPOINT_URL_SQS, else --endpoint)
  --table NAME        completions table (default BRIDGE_COMPLETION_TABLE, else ${DEFAULT_COMPLETION_TABLE})
  --bucket NAME       archive bucket (default BRIDGE_BUCKET, else ${DEFAULT_BUCKET})
  --region NAME       AWS region (default AWS_REGION)
`;

const OPTIONS = {
  config: { type: 'string' },
  route: { type: 'string' },
  json: { type: 'boolean' },
  key: { type: 'string' },
  since: { type: 'string' },
  error: { type: 'string' },
  wait: { type: 'string' },
  'to-offset': { type: 'string' },
  'to-time': { type: 'string' },
  partition: { type: 'string' },
  topic: { type: 'string' },
  endpoint: { type: 'string' },
  'sqs-endpoint': { type: 'string' },
  table: { type: 'string' },
  bucket: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let ctx: CliContext | undefined;
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (values.help === true || positionals.length === 0) {
      io.out(USAGE);
      return positionals.length === 0 && values.help !== true ? 2 : 0;
    }
    const configPath = resolve(io.cwd ?? process.cwd(), values.config ?? 'bridge.config.ts');
    const config = await loadConfig(configPath);
    ctx = new CliContext(
      config,
      {
        ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
        ...(values['sqs-endpoint'] === undefined ? {} : { sqsEndpoint: values['sqs-endpoint'] }),
        ...(values.table === undefined ? {} : { table: values.table }),
        ...(values.bucket === undefined ? {} : { bucket: values.bucket }),
        ...(values.region === undefined ? {} : { region: values.region }),
      },
      io.env ?? process.env,
    );
    const print = (data: unknown, human: () => string) => io.out(values.json === true ? json(data) : human());
    await run(ctx, positionals, values, print);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`kafka-bridge: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof BridgeError) {
      // The bridge's own errors name the operation and the resource: one line is enough.
      io.err(`kafka-bridge: ${error.message}`);
      return 1;
    }
    io.err(
      `kafka-bridge: unexpected error (a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 1;
  } finally {
    ctx?.destroy();
  }
}

type Values = ReturnType<typeof parseCommandLine>['values'];

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
}

async function run(
  ctx: CliContext,
  positionals: readonly string[],
  values: Values,
  print: (data: unknown, human: () => string) => void,
): Promise<void> {
  const [command, sub, arg, extra] = positionals;
  const route = values.route;
  const wait = values.wait === undefined ? {} : { waitMs: seconds(values.wait, '--wait') * 1000 };
  const only = (n: number) => {
    const used = command === 'trace' ? 2 : n;
    if (positionals.length > used)
      throw usageError(`unexpected argument ${JSON.stringify(positionals[used])}`);
  };
  switch (command) {
    case 'status': {
      only(1);
      const routes = await status(ctx, route);
      print(routes, () =>
        routes
          .map(
            (r) =>
              `route ${r.route} (progress group ${r.progressGroup}): in flight ${r.inFlight} ` +
              `(queue ${r.queue.visible} waiting, ${r.queue.inFlight} being delivered or backing off), DLQ ${r.deadLetters}\n` +
              table(
                ['topic', 'partition', 'committed', 'log end', 'lag'],
                r.partitions.map((p) => [p.topic, p.partition, p.committed, p.logEnd, p.lag]),
              ),
          )
          .join('\n\n'),
      );
      return;
    }
    case 'dlq': {
      const filter = deadLetterFilter(values);
      if (sub === 'list') {
        only(2);
        const lists = await dlqList(ctx, route, filter);
        print(lists, () =>
          lists
            .map(
              (l) =>
                `route ${l.route}: ${l.deadLetters.length} dead letter(s) to act on, ${l.dlqDepth} message(s) in the DLQ\n` +
                table(
                  ['record id', 'key', 'time', 'attempts', 'reason'],
                  l.deadLetters.map((d) => [d.recordId, d.key, d.time, d.attempts, short(d.reason)]),
                ),
            )
            .join('\n\n'),
        );
        return;
      }
      if (sub === 'show') {
        if (arg === undefined)
          throw usageError('dlq show needs a record id: dlq show <route>/<topic>/<partition>/<offset>');
        only(3);
        const d = await dlqShow(ctx, arg, route);
        print(d, () =>
          [
            `record     ${d.recordId}`,
            `outcome    ${d.outcome}: ${d.reason}`,
            `key        ${d.key ?? (d.keyProblem === null ? '(none)' : `(unknown: ${d.keyProblem})`)}   message group ${d.messageGroupId ?? '-'}`,
            `position   topic ${d.topic ?? '-'} partition ${d.partition ?? '-'} offset ${d.offset ?? '-'} (from ${d.from ?? '-'})`,
            `timestamp  ${d.timestamp ?? '-'}`,
            `archived   ${d.archivedAt} (s3 ${d.archive})${d.replayedAt === null ? '' : `, replayed ${d.replayedAt}`}`,
            `headers    ${d.headers.length === 0 ? '(none)' : d.headers.map((h) => `${h.name}=${h.value ?? 'null'}`).join(', ')}`,
            `payload    ${d.payloadBytes === null ? '(none)' : `${d.payloadBytes} bytes: ${short(d.payloadPreview ?? '', 200)}`}`,
            `attempts   ${d.attemptCount}`,
            d.attempts.length === 0
              ? ''
              : table(
                  ['#', 'receive', 'started', 'status', 'error', 'answer'],
                  d.attempts.map((a) => [
                    a.attempt,
                    a.receive,
                    a.startedAt,
                    a.status ?? null,
                    short(a.error, 40),
                    short(a.excerpt ?? '', 40),
                  ]),
                ),
          ]
            .filter((line) => line !== '')
            .join('\n'),
        );
        return;
      }
      if (sub === 'replay') {
        only(2);
        const reports = await dlqReplay(ctx, route, filter, wait);
        print(reports, () => reports.map(replayText).join('\n\n'));
        return;
      }
      throw usageError(
        `dlq needs list, show or replay${sub === undefined ? '' : `, not ${JSON.stringify(sub)}`}`,
      );
    }
    case 'quarantine': {
      if (sub === 'list') {
        only(2);
        const keys = await quarantineList(ctx, route);
        print(keys, () =>
          keys.length === 0
            ? 'no quarantined key'
            : table(
                ['route', 'key', 'behind', 'since', 'parked'],
                keys.map((k) => [k.route, k.key, k.behind, k.since, k.parked]),
              ),
        );
        return;
      }
      if (sub === 'replay') {
        if (arg === undefined) throw usageError('quarantine replay needs a key: quarantine replay <key>');
        if (extra !== undefined) throw usageError(`unexpected argument ${JSON.stringify(extra)}`);
        const report = await quarantineReplay(ctx, route, arg, wait);
        print(report, () => replayText(report));
        return;
      }
      throw usageError(
        `quarantine needs list or replay${sub === undefined ? '' : `, not ${JSON.stringify(sub)}`}`,
      );
    }
    case 'trace': {
      if (sub === undefined)
        throw usageError('trace needs a record: trace <route>/<topic>/<partition>/<offset>');
      only(2);
      const t = await trace(ctx, sub, route);
      print(t, () =>
        [
          `record     ${t.recordId}`,
          `state      ${t.state}`,
          `forwarded  ${t.forwarded === null ? 'unknown (in the queue, or not polled yet)' : t.forwarded ? 'yes' : 'no'}`,
          `committed  ${t.committed ? 'yes' : 'no'} (progress group at ${t.committedOffset ?? 'none'}, log end ${t.logEnd})`,
          `completion ${t.completion === null ? '(none)' : t.completion.at === null ? `${t.completion.status} (${t.completion.where})` : `${t.completion.status} at ${t.completion.at} after ${t.completion.attempts} attempt(s) (${t.completion.where})`}`,
          `archive    ${t.archive === null ? '(none)' : `${t.archive.outcome}: ${t.archive.reason} (${t.archive.key})${t.archive.replayedAt === null ? '' : `, replayed ${t.archive.replayedAt}`}`}`,
          `attempts   ${t.attemptCount}`,
          t.attempts.length === 0
            ? ''
            : table(
                ['#', 'receive', 'started', 'status', 'error'],
                t.attempts.map((a) => [a.attempt, a.receive, a.startedAt, a.status ?? null, short(a.error)]),
              ),
        ]
          .filter((line) => line !== '')
          .join('\n'),
      );
      return;
    }
    case 'reset': {
      only(1);
      if (route === undefined) throw usageError('reset needs --route <name>');
      const to = resetTarget(values);
      const result = await reset(ctx, route, {
        to,
        ...(values.partition === undefined ? {} : { partition: integer(values.partition, '--partition') }),
        ...(values.topic === undefined ? {} : { topic: values.topic }),
      });
      print(
        result,
        () =>
          `route ${result.route}: progress group ${result.progressGroup} moved\n` +
          table(
            ['topic', 'partition', 'before', 'after', 'completions removed'],
            result.moves.map((m) => [m.topic, m.partition, m.before, m.after, m.completionsRemoved]),
          ) +
          `\n${result.note}`,
      );
      return;
    }
    default:
      throw usageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function replayText(report: ReplayReport): string {
  const lines = [
    `route ${report.route}: ${report.records.filter((r) => r.deduplicationId !== undefined).length} record(s) replayed, ${report.removedFromDlq} removed from the DLQ`,
  ];
  if (report.records.length > 0) {
    lines.push(
      table(
        ['record id', 'key', 'outcome', 'dedup id'],
        report.records.map((r) => [r.recordId, r.key, r.outcome, r.deduplicationId ?? null]),
      ),
    );
  }
  for (const key of report.lifted) lines.push(`quarantine of key ${key} lifted`);
  for (const { key, reason } of report.stillQuarantined)
    lines.push(`key ${key} stays quarantined: ${reason}`);
  return lines.join('\n');
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
