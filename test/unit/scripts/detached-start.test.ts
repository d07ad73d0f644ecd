// A server a project script starts must not hold its caller: scripts/lib/daemon.sh's spawn
// leaves the server none of the caller's descriptors (a test's execFile returns as soon as the
// script ends), and test/support/script.ts settles when a script exits even if something it left
// running still holds the pipes (the old scripts/apicurio.sh, whose background subshell kept the
// test's stderr open, so its before hook waited until its 15-minute timeout).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runScript } from '../../support/script.ts';

const daemon = fileURLToPath(new URL('../../../scripts/lib/daemon.sh', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'detached-start-'));

/** A script at `name` with `body`, and the file where it leaves the pid of what it started. */
function script(name: string, body: string): { path: string; pidFile: string } {
  const path = join(dir, `${name}.sh`);
  const pidFile = join(dir, `${name}.pid`);
  writeFileSync(path, `set -euo pipefail\npidfile=${pidFile}\n${body}\necho started >&2\n`);
  return { path, pidFile };
}

function stopStarted(pidFile: string): void {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
  } catch {
    // Not started, or gone.
  }
}

test("daemon.sh's spawn: the caller's execFile ends when the script does, the server running", async () => {
  const { path, pidFile } = script(
    'spawned',
    `die() { echo "$*" >&2; exit 1; }\nsource ${daemon}\nspawn "$pidfile" ${join(dir, 'server.log')} sleep 60`,
  );
  try {
    const started = Date.now();
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile('bash', [path], { timeout: 20_000 }, (error, _out, err) =>
        error ? reject(error) : resolve(err),
      ),
    );
    assert.equal(stderr, 'started\n');
    assert.ok(Date.now() - started < 10_000, `execFile waited ${Date.now() - started} ms`);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.doesNotThrow(() => process.kill(pid, 0), 'the server runs on after the script ended');
  } finally {
    stopStarted(pidFile);
  }
});

test('runScript settles when the script exits though a process it left holds its stderr', async () => {
  // The old apicurio.sh's start: `A && B &` backgrounds a subshell that keeps the script's stderr.
  const { path, pidFile } = script('leaky', '(cd / && exec sleep 60 & echo $! >"$pidfile")');
  try {
    const started = Date.now();
    const { stderr } = await runScript(path, [], { timeoutMs: 20_000 });
    assert.equal(stderr, 'started\n');
    assert.ok(Date.now() - started < 10_000, `runScript waited ${Date.now() - started} ms`);
    await assert.rejects(
      runScript(script('failing', 'echo "the reason" >&2; exit 3').path, [], { timeoutMs: 20_000 }),
      /failed \(exit 3\):\nthe reason/,
    );
  } finally {
    stopStarted(pidFile);
  }
});
