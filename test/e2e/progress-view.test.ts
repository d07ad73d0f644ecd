// `npm start`'s live view in a real terminal (tmux) at 80 and 150 columns: long event lines
// used to wrap, so each redraw went back fewer rows than it had drawn and left the route header
// behind. The screen after many redraws must hold the last frame exactly once, and nothing else.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const DRIVER = new URL('../support/progress-view-driver.ts', import.meta.url).pathname;
const SOCKET = `progress-view-${process.pid}`;
let dir: string;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

before(async () => {
  execFileSync('tmux', ['-V']); // scripts/browser.sh installs it
  dir = await mkdtemp(join(tmpdir(), 'progress-view-'));
});

after(async () => {
  try {
    tmux('kill-server');
  } catch {
    // no session left
  }
  await rm(dir, { recursive: true, force: true });
});

async function waitForFile(file: string, timeoutMs = 20_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as string[];
    } catch {
      if (Date.now() > end) throw new Error(`the driver wrote no frame within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('live view in tmux', () => {
  for (const width of [80, 150]) {
    test(`${width} columns: redrawn in place, header once, no wrapped leftovers`, async () => {
      const session = `w${width}`;
      const file = join(dir, `frame-${width}.json`);
      tmux(
        'new-session',
        '-d',
        '-s',
        session,
        '-x',
        String(width),
        '-y',
        '60',
        `${process.execPath} ${DRIVER} ${file} 12`,
      );
      const frame = await waitForFile(file);
      const screen = tmux('capture-pane', '-p', '-t', session)
        .split('\n')
        .map((line) => line.trimEnd());
      tmux('kill-session', '-t', session);
      while (screen.at(-1) === '') screen.pop();
      const headers = screen.filter((line) => line.startsWith('route demo-tmux'));
      assert.equal(
        headers.length,
        1,
        `the route header appears ${headers.length} times:\n${screen.join('\n')}`,
      );
      assert.equal(screen.filter((line) => line === 'recent events:').length, 1);
      for (const line of screen) assert.ok(line.length < width, `a line fills the width: ${line}`);
      // Exactly the last frame under the driver's first line: no row of an earlier drawing left.
      assert.deepEqual(screen, ['driver started', ...frame.map((line) => line.trimEnd())]);
    });
  }
});
