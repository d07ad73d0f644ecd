import { METRIC, type MetricName } from '../runtime/contract.ts';
import type { PartitionStatus, RouteStatus } from './route-poller.ts';

/*
 * What the poller publishes per route and interval, in one place: functions/poller.ts writes it
 * as EMF lines (CloudWatch makes the metrics from its log stream), and local mode puts the same
 * values into the emulator's CloudWatch (lib/local/poller-metrics.ts), so `kafka-bridge status`
 * and the console read one series, deployed or local.
 */

/** How often the poller publishes them when METRICS_INTERVAL_MS is not set (as deployed: the stack does not set it). */
export const DEFAULT_METRICS_INTERVAL_MS = 60_000;

/** The counters' values at the last emission, per route (counters restart with a reassignment). */
export interface EmittedCounters {
  readonly forwarded: Map<string, number>;
  readonly filtered: Map<string, number>;
}

export function emittedCounters(): EmittedCounters {
  return { forwarded: new Map(), filtered: new Map() };
}

/** A counter's growth since the last emission; counters restart with a reassignment (then: all of it). */
function growth(before: Map<string, number>, route: string, now: number): number {
  const delta = Math.max(0, now - (before.get(route) ?? 0));
  before.set(route, now);
  return delta;
}

/**
 * A route's metrics for this emission, all under `{service, route}`: `mps.poller.heartbeat` (1
 * while it runs), `mps.buffer.size` (records in flight), `mps.reader.poll.count` (records
 * forwarded since the last emission), `mps.poller.filtered.count` (records the route's filter
 * left out since then: committed, never sent) and `mps.poller.registry.held` (partitions held
 * because the route's schema registry does not answer).
 */
export function routeMetricValues(
  status: RouteStatus,
  before: EmittedCounters,
): readonly (readonly [MetricName, number])[] {
  const sum = (of: (p: PartitionStatus) => number): number =>
    status.partitions.reduce((total, p) => total + of(p), 0);
  return [
    [METRIC.pollerHeartbeat, status.running ? 1 : 0],
    [METRIC.bufferSize, sum((p) => p.inFlight)],
    [
      METRIC.pollCount,
      growth(
        before.forwarded,
        status.route,
        sum((p) => p.forwarded),
      ),
    ],
    [
      METRIC.pollerFiltered,
      growth(
        before.filtered,
        status.route,
        sum((p) => p.filtered),
      ),
    ],
    [METRIC.pollerRegistryHeld, sum((p) => (p.paused.includes('registry') ? 1 : 0))],
  ];
}
