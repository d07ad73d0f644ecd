#!/usr/bin/env node
// The operator CLI (docs/cli.md). The logic is in lib/cli; this only wires the process.
import { terminalConfirm } from '../lib/cli/confirm.ts';
import { main, runsUntilStopped } from '../lib/cli/main.ts';

// kafkajs 2.2.4's request queue schedules a check with a negative delay, which Node 24 clamps to
// 1 ms and reports as TimeoutNegativeWarning (RequestQueue.scheduleCheckPendingRequests): harmless,
// but an operator would read it as a problem. Only that warning is dropped; any other is printed.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const name =
    typeof warning === 'string' ? (typeof rest[0] === 'string' ? rest[0] : undefined) : warning.name;
  const type = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { type?: unknown }).type : name;
  if (type === 'TimeoutNegativeWarning') return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

// Ctrl-C or SIGTERM ends a command that runs until stopped (the console) cleanly; the others
// keep Node's default (the process ends at once).
const stop = new AbortController();
if (runsUntilStopped(process.argv.slice(2))) {
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
}
const confirm = terminalConfirm();
const code = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  signal: stop.signal,
  ...(confirm === undefined ? {} : { confirm }),
});
// Exit explicitly: kafkajs can keep reconnect timers alive after a failed command, and a CLI
// must return as soon as it has answered.
process.exit(code);
