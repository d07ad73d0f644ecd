// Draws lib/local/progress-view.ts's live view on this process's terminal the way `npm start`
// does (a table redrawn in place, long event lines), for test/e2e/progress-view.test.ts, which
// runs it in tmux and reads the screen. Writes the last frame's lines to the file given, then
// waits so the pane stays open until the test has read it.
import { writeFile } from 'node:fs/promises';
import { METRICS } from '../../lib/deliver/observability.ts';
import type { RouteProgress } from '../../lib/local/bridge.ts';
import { MetricCounters } from '../../lib/local/counters.ts';
import { ProgressView } from '../../lib/local/progress-view.ts';

const [file, frames = '12'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: progress-view-driver.ts <frame-file> [frames]');
process.stdout.write('driver started\n');
const view = new ProgressView(process.stdout, true);
const counters = new MetricCounters();
const progress = (n: number): RouteProgress[] => [
  {
    route: 'demo-tmux',
    poller: {
      route: 'demo-tmux',
      running: true,
      memberId: 'm',
      partitions: [0, 1, 2, 3].map((partition) => ({
        topic: 'demo-orders-tmux',
        partition,
        next: String(n * 10),
        committed: String(n * 9),
        inFlight: partition,
        paused: [],
        forwarded: n * 10 + partition,
        filtered: 0,
        lost: '0',
        lastError: undefined,
      })),
    },
    counters,
    partitions: [0, 1, 2, 3].map((partition) => ({
      topic: 'demo-orders-tmux',
      partition,
      before: BigInt(n * 9),
      after: BigInt(n * 10),
      logEnd: BigInt(n * 10 + partition),
      lag: BigInt(partition),
      waitingBehindHole: 0,
      cleaned: 0,
    })),
  },
];
const ESC = String.fromCharCode(0x1b);
let lines: string[] = [];
const capture = process.stdout.write.bind(process.stdout);
for (let n = 1; n <= Number(frames); n++) {
  counters.count(METRICS.success, 7);
  view.event(
    `warn deliverer: endpoint answered 503 ${JSON.stringify({ record: `demo-tmux/demo-orders-tmux/${n % 4}/${n}`, excerpt: 'x'.repeat(120), n })}`,
  );
  view.event('error a message\nwith a newline and an \x1b[31mescape\x1b[0m in it');
  let frame = '';
  process.stdout.write = ((chunk: string) => {
    frame += chunk;
    return capture(chunk);
  }) as typeof process.stdout.write;
  view.render(progress(n), { produced: n * 40, target: 1000 });
  process.stdout.write = capture;
  // The frame as the terminal shows it: after the cursor movement, one line per row.
  lines = frame
    .replace(new RegExp(`^${ESC}\\[\\d+F${ESC}\\[0J`), '')
    .split('\n')
    .slice(0, -1);
  await new Promise((resolve) => setTimeout(resolve, 30));
}
await writeFile(file, JSON.stringify(lines));
await new Promise((resolve) => setTimeout(resolve, 60_000));
