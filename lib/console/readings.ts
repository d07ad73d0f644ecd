import type { CliContext } from '../cli/context.ts';
import { messageOf } from '../cli/context.ts';
import { status } from '../cli/status.ts';

interface Sample {
  readonly at: number;
  /** Sum of the route's committed offsets: it grows by one per record finished (delivered or dead-lettered). */
  readonly committed: bigint;
}

const HOUR_MS = 3_600_000;

/**
 * Successive readings of every route's committed offsets, taken by the console while it runs
 * (they need no CloudWatch metric, and the same numbers work against AWS): the records finished
 * per minute are the committed offsets' advance over the minute. Kept for an hour, in memory.
 */
export class Readings {
  readonly #ctx: CliContext;
  readonly #intervalMs: number;
  readonly #samples = new Map<string, Sample[]>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(ctx: CliContext, intervalMs: number) {
    this.#ctx = ctx;
    this.#intervalMs = intervalMs;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  start(): void {
    const take = () => {
      this.#running ??= this.#take().finally(() => {
        this.#running = undefined;
      });
    };
    take();
    this.#timer = setInterval(take, this.#intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  async #take(): Promise<void> {
    const problems: string[] = [];
    for (const route of this.#ctx.config.routes) {
      try {
        const [reading] = await status(this.#ctx, route.name, { filtered: false });
        if (reading === undefined) continue;
        const committed = reading.partitions.reduce((sum, p) => sum + BigInt(p.committed ?? '0'), 0n);
        const samples = this.#samples.get(route.name) ?? [];
        const now = Date.now();
        samples.push({ at: now, committed });
        while ((samples[0]?.at ?? now) < now - HOUR_MS - 120_000) samples.shift();
        this.#samples.set(route.name, samples);
      } catch (error) {
        problems.push(`${route.name}: ${messageOf(error)}`);
      }
    }
    this.lastError = problems.length === 0 ? undefined : problems.join('; ');
  }

  /**
   * Records finished per minute (minute start in ms since the epoch), for the minutes of the
   * last hour covered by readings at or before their start and after their end, or, for the
   * current minute, the readings within it so far.
   */
  finishedPerMinute(route: string, now: number = Date.now()): Map<number, number> {
    const samples = this.#samples.get(route) ?? [];
    const result = new Map<number, number>();
    const last = Math.floor(now / 60_000);
    for (let minute = last - 59; minute <= last; minute++) {
      const start = minute * 60_000;
      const before = [...samples].reverse().find((s) => s.at <= start) ?? samples.find((s) => s.at > start);
      const end = [...samples].reverse().find((s) => s.at < start + 60_000);
      if (before === undefined || end === undefined || end.at <= before.at) continue;
      result.set(start, Number(end.committed - before.committed));
    }
    return result;
  }
}
