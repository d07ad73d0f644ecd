import cliTruncate from 'cli-truncate';
import { METRICS } from '../deliver/observability.ts';
import type { RouteProgress } from './bridge.ts';

/** Numbers the demo adds to what the bridge knows. */
export interface DemoExtras {
  readonly produced: number;
  readonly target?: number;
}

interface Row {
  readonly name: string;
  readonly forwarded: number;
  readonly inFlight: number;
  readonly committed: string;
  readonly logEnd: string;
  readonly lag: string;
}

/**
 * Live progress in the terminal. On a TTY, one table redrawn in place (the cursor goes back
 * over the previous drawing); otherwise one plain line per call, so logs and CI output stay
 * readable. Recent warnings are shown under the table instead of scrolling it away.
 *
 * Every line drawn on a TTY is clipped to the terminal's width (measured in columns, ANSI
 * sequences and wide characters counted as the terminal does): a line that wrapped would take
 * two rows where the cursor goes back one, and each redraw would leave a copy behind.
 */
export class ProgressView {
  readonly #out: NodeJS.WritableStream & { readonly columns?: number };
  readonly #tty: boolean;
  readonly #started = Date.now();
  readonly #events: string[] = [];
  #drawnLines = 0;

  constructor(out: NodeJS.WritableStream & { readonly columns?: number }, tty: boolean) {
    this.#out = out;
    this.#tty = tty;
  }

  /** A warning or error to show; printed at once when not on a TTY. */
  event(text: string): void {
    // One row each: a newline or an escape sequence inside a message would break the redraw.
    const line = `${new Date().toISOString().slice(11, 19)} ${text.replace(/\p{Cc}+/gu, ' ')}`;
    if (!this.#tty) {
      this.#out.write(`${line}\n`);
      return;
    }
    this.#events.push(line);
    if (this.#events.length > 5) this.#events.shift();
  }

  render(routes: readonly RouteProgress[], extras?: DemoExtras): void {
    const seconds = ((Date.now() - this.#started) / 1000).toFixed(0);
    if (!this.#tty) {
      for (const route of routes) {
        const t = totals(route);
        const produced =
          extras === undefined
            ? ''
            : `produced ${extras.produced}${extras.target === undefined ? '' : `/${extras.target}`} `;
        this.#out.write(
          `[${seconds}s] ${route.route}: ${produced}forwarded ${t.forwarded} uncommitted ${t.inFlight} delivered ${t.delivered} ` +
            `retried ${t.retried} dead-lettered ${t.deadLettered} committed ${t.committed} lag ${t.lag}\n`,
        );
      }
      return;
    }
    const lines: string[] = [];
    for (const route of routes) {
      const t = totals(route);
      lines.push(`route ${route.route}   ${seconds}s   (Ctrl-C stops cleanly)`);
      const head = [
        extras === undefined
          ? undefined
          : `produced ${extras.produced}${extras.target === undefined ? '' : `/${extras.target}`}`,
        `forwarded ${t.forwarded}`,
        `uncommitted ${t.inFlight}`,
        `delivered ${t.delivered}`,
        `retried ${t.retried}`,
        `dead-lettered ${t.deadLettered}${t.parked > 0 ? ` (${t.parked} parked)` : ''}`,
      ].filter((part) => part !== undefined);
      lines.push(`  ${head.join('   ')}`);
      lines.push('');
      const header = ['partition', 'forwarded', 'uncommitted', 'committed', 'log end', 'lag'];
      const rows = rowsOf(route).map((r) => [
        r.name,
        String(r.forwarded),
        String(r.inFlight),
        r.committed,
        r.logEnd,
        r.lag,
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
      const format = (cells: readonly string[]) =>
        `  ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`;
      lines.push(format(header));
      for (const row of rows) lines.push(format(row));
      lines.push(
        format(['total', String(t.forwarded), String(t.inFlight), String(t.committed), '', String(t.lag)]),
      );
      lines.push('');
    }
    if (this.#events.length > 0) lines.push('recent events:', ...this.#events.map((e) => `  ${e}`));
    // Back over the previous drawing, clear to the end of the screen, draw again.
    const back = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}F\x1b[0J` : '';
    this.#out.write(`${back}${lines.map((line) => fit(line, this.#out.columns)).join('\n')}\n`);
    this.#drawnLines = lines.length;
  }
}

/**
 * One terminal row: clipped one column short of the width, since a line that fills the last
 * column leaves some terminals' cursor in a pending wrap.
 */
export function fit(line: string, columns: number | undefined): string {
  const width = Math.max((columns ?? 80) - 1, 10);
  return cliTruncate(line, width, { position: 'end' });
}

function rowsOf(route: RouteProgress): Row[] {
  const byName = new Map<string, Row>();
  const multiTopic = new Set(route.partitions.map((p) => p.topic)).size > 1;
  const name = (topic: string, partition: number) =>
    multiTopic ? `${topic}/${partition}` : String(partition);
  for (const p of route.partitions) {
    byName.set(name(p.topic, p.partition), {
      name: name(p.topic, p.partition),
      forwarded: 0,
      inFlight: 0,
      committed: p.after === undefined ? '-' : p.after.toString(),
      logEnd: p.logEnd.toString(),
      lag: p.lag.toString(),
    });
  }
  for (const p of route.poller.partitions) {
    const key = name(p.topic, p.partition);
    const row = byName.get(key) ?? {
      name: key,
      forwarded: 0,
      inFlight: 0,
      committed: '-',
      logEnd: '-',
      lag: '-',
    };
    // The log end comes from the last commit run (once a second), the poller's position is live:
    // a partition never shows more forwarded than its log end holds.
    const logEnd = freshLogEnd(row.logEnd, p.next);
    const lag =
      row.committed === '-' ? row.lag : String(BigInt(logEnd === '-' ? 0 : logEnd) - BigInt(row.committed));
    byName.set(key, { ...row, forwarded: p.forwarded, inFlight: p.inFlight, logEnd, lag });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** The larger of the last commit run's log end and the poller's next offset ('-': unknown). */
function freshLogEnd(logEnd: string, next: string | undefined): string {
  if (next === undefined) return logEnd;
  if (logEnd === '-') return next;
  return BigInt(next) > BigInt(logEnd) ? next : logEnd;
}

/** The route's counts; exported for the plain-line output of config mode. */
export function totals(route: RouteProgress): {
  forwarded: number;
  inFlight: number;
  delivered: number;
  retried: number;
  deadLettered: number;
  parked: number;
  committed: bigint;
  lag: bigint;
} {
  const parked = route.counters.get(METRICS.parked);
  return {
    forwarded: route.poller.partitions.reduce((sum, p) => sum + p.forwarded, 0),
    inFlight: route.poller.partitions.reduce((sum, p) => sum + p.inFlight, 0),
    delivered: route.counters.get(METRICS.success),
    retried: route.counters.get(METRICS.failure),
    deadLettered: route.counters.get(METRICS.deadLettered) + parked,
    parked,
    committed: route.partitions.reduce((sum, p) => sum + (p.after ?? 0n), 0n),
    lag: rowsOf(route).reduce((sum, r) => sum + (r.lag === '-' ? 0n : BigInt(r.lag)), 0n),
  };
}
