// Figures from what the endpoint saw.
import type { Arrival } from './endpoint.ts';

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * Records per second in the steady part of a run: the arrivals between the 5th and the 95th
 * percentile of arrival times, over the time between them. Trimming leaves out the start
 * (group join, the first receives) and the tail (the last few keys), which are not the rate a
 * long run keeps. Whole span below 40 arrivals.
 */
export function steadyRate(arrivals: readonly Arrival[]): number {
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  if (times.length < 2) return 0;
  const trim = times.length >= 40 ? 0.05 : 0;
  const first = Math.floor(times.length * trim);
  const last = Math.ceil(times.length * (1 - trim)) - 1;
  const seconds = ((times[last] ?? 0) - (times[first] ?? 0)) / 1000;
  return seconds > 0 ? (last - first) / seconds : 0;
}

export interface LatencyFigures {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly count: number;
}

/** End-to-end latency: endpoint arrival minus the record's produce time. */
export function latencyOf(arrivals: readonly Arrival[]): LatencyFigures {
  const latencies = arrivals.map((a) => a.at - a.producedAt);
  return {
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    count: latencies.length,
  };
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Resolves once `done()` holds; rejects after `timeoutMs` with `what` and `progress()`. */
export async function waitUntil(
  what: string,
  done: () => Promise<boolean>,
  timeoutMs: number,
  progress: () => Promise<string> = async () => '',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${await progress()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
