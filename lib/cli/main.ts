import { resolve } from 'node:path';
import { startConsole } from '../console/server.ts';
import { BridgeError } from '../errors.ts';
import { type Command, parseCommand } from './command.ts';
import { type Confirm, requireConfirmation } from './confirm.ts';
import { CliContext, DEFAULT_BUCKET, DEFAULT_COMPLETION_TABLE, loadConfig } from './context.ts';
import { dlqList, dlqReplay, dlqShow } from './dlq.ts';
import { CliError } from './errors.ts';
import { json, short, table, visible as v, visibleLines } from './format.ts';
import { migrateKeys } from './migrate-keys.ts';
import { produceCommand } from './produce.ts';
import { quarantineList, quarantineReplay } from './quarantine.ts';
import { reset } from './reset.ts';
import { status } from './status.ts';
import { attemptsText, producedText, replayText } from './texts.ts';
import { trace } from './trace.ts';
import { isRegionMissing, noRegionError } from './where.ts';

export const USAGE = `kafka-bridge <command> [options]

Commands:
  status                          per route and partition: committed offset, log end, lag;
                                  per route: in flight, queue depth, DLQ depth
  dlq list                        dead letters waiting (record id, reason, time, key)
  dlq show <record-id>            one dead letter: metadata, payload preview, error history
  dlq replay --route NAME         dead letters back into the queue, in offset order per key
  quarantine list                 quarantined keys and how many records are parked behind them
  quarantine replay <key>         a key's dead letter and parked records, in order; lifts the quarantine
  trace <route>/<topic>/<partition>/<offset>
                                  where one record is: forwarded, attempts, outcome, committed
  reset --to-offset N | --to-time ISO [--partition P] [--topic T]
                                  moves the route's progress group (needs --route)
  produce --route NAME [--file F] [--rate N] [--topic T]
                                  records onto the route's topic, one a line, from F or stdin:
                                  {"key": K, "value": V} (JSON lines) or K<TAB>V; --rate N a second
  console [--port P] [--allow-replay]
                                  the operator console in the browser (docs/console.md), on
                                  127.0.0.1; prints its URL with an access token; read-only
                                  unless --allow-replay; Ctrl-C stops it
  migrate-keys [--dry-run]        once after upgrading to the table's kind tags: copies ledger
                                  entries and completions to their new keys (CHANGELOG.md)

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
  --table NAME        completions table (default BRIDGE_COMPLETION_TABLE; ${DEFAULT_COMPLETION_TABLE} against an emulator)
  --bucket NAME       archive bucket (default BRIDGE_BUCKET; ${DEFAULT_BUCKET} against an emulator)
  --bucket-owner ID   account that must own the bucket (default BRIDGE_BUCKET_OWNER, else the caller's)
  --region NAME       AWS region (default AWS_REGION)
  --dry-run           replays and reset: show what would be done, change nothing
  --yes               replays and reset: do not ask for confirmation
`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Ends a command that runs until stopped (console); none: it runs until the process ends. */
  readonly signal?: AbortSignal;
  /** Asks the operator; absent without a terminal (then only --yes confirms). */
  readonly confirm?: Confirm;
  /** Where `produce` reads records without --file (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
}

/** Whether the command line runs until stopped (the console), so Ctrl-C should end it cleanly. */
export function runsUntilStopped(argv: readonly string[]): boolean {
  try {
    return parseCommand(argv).name === 'console';
  } catch {
    return false;
  }
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let ctx: CliContext | undefined;
  try {
    const command = parseCommand(argv);
    if (command.name === 'help') {
      io.out(USAGE);
      return command.asked ? 0 : 2;
    }
    const configPath = resolve(io.cwd ?? process.cwd(), command.config ?? 'bridge.config.ts');
    const config = await loadConfig(configPath);
    ctx = new CliContext(config, command.resources, io.env ?? process.env);
    // Text for people through the sanitizer (format.ts); --json exact.
    const print = (data: unknown, human: () => string) =>
      io.out(command.json ? json(data) : visibleLines(human()));
    if (command.name === 'console') {
      await serveConsole(ctx, command, io);
      return 0;
    }
    if (command.name === 'produce') {
      const result = await produceCommand(ctx, command, io);
      print(result, () => producedText(result));
      return 0;
    }
    const confirm = (what: string, yes: boolean) => requireConfirmation(what, yes, io.confirm);
    await run(ctx, command, print, confirm);
    return 0;
  } catch (caught) {
    const error = isRegionMissing(caught) ? noRegionError(caught) : caught;
    if (error instanceof CliError) {
      io.err(`kafka-bridge: ${visibleLines(error.message)}`);
      return error.exitCode;
    }
    if (error instanceof BridgeError) {
      // The bridge's own errors name the operation and the resource: one line is enough.
      io.err(`kafka-bridge: ${visibleLines(error.message)}`);
      return 1;
    }
    io.err(
      `kafka-bridge: unexpected error (a bug): ${visibleLines(error instanceof Error ? (error.stack ?? error.message) : String(error))}`,
    );
    return 1;
  } finally {
    ctx?.destroy();
  }
}

/** Serves the console until the signal (Ctrl-C) ends it. */
async function serveConsole(
  ctx: CliContext,
  command: Extract<Command, { name: 'console' }>,
  io: CliIo,
): Promise<void> {
  const running = await startConsole({ ctx, port: command.port, allowReplay: command.allowReplay });
  io.out(
    `console: ${running.url}\n(${command.allowReplay ? 'replay allowed' : 'read-only: --allow-replay to replay'}; the URL holds the access token; Ctrl-C stops it)`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted === true) resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await running.close();
}

async function run(
  ctx: CliContext,
  command: Exclude<Command, { name: 'help' | 'console' | 'produce' }>,
  print: (data: unknown, human: () => string) => void,
  confirm: (what: string, yes: boolean) => Promise<void>,
): Promise<void> {
  const { route } = command;
  switch (command.name) {
    case 'status': {
      const routes = await status(ctx, route);
      print(routes, () =>
        routes
          .map(
            (r) =>
              `route ${r.route} (progress group ${r.progressGroup}): in flight ${r.inFlight} ` +
              `(queue ${r.queue.visible} waiting, ${r.queue.inFlight} being delivered or backing off), DLQ ${r.deadLetters}, ` +
              `filtered out in the last hour ${r.filtered ?? 'unknown (no poller metric)'}\n` +
              table(
                ['topic', 'partition', 'committed', 'log end', 'lag'],
                r.partitions.map((p) => [p.topic, p.partition, p.committed, p.logEnd, p.lag]),
              ),
          )
          .join('\n\n'),
      );
      return;
    }
    case 'dlq list': {
      const lists = await dlqList(ctx, route, command.filter);
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
    case 'dlq show': {
      const d = await dlqShow(ctx, command.recordId, route);
      print(d, () =>
        [
          `record     ${v(d.recordId)}`,
          `outcome    ${v(d.outcome)}: ${v(d.reason)}`,
          `key        ${v(d.key ?? (d.keyProblem === null ? '(none)' : `(unknown: ${d.keyProblem})`))}   message group ${v(d.messageGroupId ?? '-')}`,
          `position   topic ${v(d.topic ?? '-')} partition ${d.partition ?? '-'} offset ${v(d.offset ?? '-')} (from ${v(d.from ?? '-')})`,
          `timestamp  ${d.timestamp ?? '-'}`,
          `archived   ${v(d.archivedAt)} (s3 ${v(d.archive)})${d.replayedAt === null ? '' : `, replayed ${v(d.replayedAt)}`}`,
          `headers    ${d.headers.length === 0 ? '(none)' : d.headers.map((h) => `${v(h.name)}=${v(h.value ?? 'null')}`).join(', ')}`,
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
    case 'dlq replay': {
      const { filter, dryRun } = command;
      const plan = await dlqReplay(ctx, command.route, filter, { dryRun: true });
      const count = plan.reduce((n, r) => n + r.records.length, 0);
      const whole = filter.key === undefined && filter.since === undefined && filter.error === undefined;
      if (!dryRun && count > 0 && (count > 1 || whole)) {
        const what = `this replays ${count} record(s) of route ${command.route}${whole ? ' (every dead letter of the route)' : ''}`;
        await confirm(what, command.yes);
      }
      const reports = await dlqReplay(ctx, command.route, filter, { ...waitOf(command), dryRun });
      print(reports, () => reports.map((r) => replayText(r, dryRun)).join('\n\n'));
      return;
    }
    case 'quarantine list': {
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
    case 'quarantine replay': {
      const plan = await quarantineReplay(ctx, route, command.key, { dryRun: true });
      if (!command.dryRun && plan.records.length > 1) {
        const what = `this replays ${plan.records.length} record(s) of key ${v(command.key)} on route ${plan.route}`;
        await confirm(what, command.yes);
      }
      const report = await quarantineReplay(ctx, route, command.key, {
        ...waitOf(command),
        dryRun: command.dryRun,
      });
      print(report, () => replayText(report, command.dryRun));
      return;
    }
    case 'trace': {
      const t = await trace(ctx, command.record, route);
      print(t, () =>
        [
          `record     ${v(t.recordId)}`,
          `state      ${t.state}`,
          `forwarded  ${t.forwarded === null ? 'unknown (in the queue, or not polled yet)' : t.forwarded ? 'yes' : 'no'}`,
          `committed  ${t.committed ? 'yes' : 'no'} (progress group at ${t.committedOffset ?? 'none'}, log end ${t.logEnd})`,
          `completion ${t.completion === null ? '(none)' : t.completion.at === null ? `${t.completion.status} (${t.completion.where})` : `${t.completion.status} at ${t.completion.at} after ${t.completion.attempts} attempt(s) (${t.completion.where})`}`,
          `archive    ${t.archive === null ? '(none)' : `${v(t.archive.outcome)}: ${v(t.archive.reason)} (${v(t.archive.key)})${t.archive.replayedAt === null ? '' : `, replayed ${v(t.archive.replayedAt)}`}`}`,
          `attempts   ${attemptsText(t)}`,
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
    case 'migrate-keys': {
      const result = await migrateKeys(ctx, command.route, command.dryRun);
      print(
        result,
        () =>
          `${result.scanned} item(s) scanned, ${result.dryRun ? 'would copy' : 'copied'}:\n` +
          table(
            ['route', 'kind', 'items'],
            result.copied.map((c) => [c.route, c.kind, c.count]),
          ),
      );
      return;
    }
    case 'reset': {
      if (!command.dryRun && command.partition === undefined)
        await confirm(
          `this moves the progress group of route ${command.route} on every partition`,
          command.yes,
        );
      const result = await reset(ctx, command.route, {
        dryRun: command.dryRun,
        to: command.to,
        ...(command.partition === undefined ? {} : { partition: command.partition }),
        ...(command.topic === undefined ? {} : { topic: command.topic }),
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
  }
}

/** The replay options of a replay command: its --wait, if given. */
function waitOf(command: { readonly waitMs?: number }): { waitMs?: number } {
  return command.waitMs === undefined ? {} : { waitMs: command.waitMs };
}
