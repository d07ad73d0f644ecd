import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Route } from '../config/index.ts';
import {
  METRIC,
  METRIC_PUBLISHER,
  METRICS_NAMESPACE,
  ROUTE_DIMENSION,
  SERVICE_DIMENSION,
} from '../runtime/contract.ts';
import type { CliContext } from './context.ts';

/** The window `status` and the console count filtered records over. */
export const FILTERED_WINDOW_MS = 3_600_000;

/**
 * Records the route's filter (route.filter) left out over the last hour: committed, never sent.
 * The sum of the poller's `mps.poller.filtered.count` series (`{service, route}`, what the poller
 * publishes every interval, 0 included) in CloudWatch; local mode puts the same series into the
 * emulator's CloudWatch (lib/local/poller-metrics.ts). Null when the series has no datapoint in
 * the hour: no poller published for the route (none running, or not yet), so the count is unknown.
 * A route without a filter leaves nothing out: 0, without reading CloudWatch.
 */
export async function filteredLastHour(
  ctx: CliContext,
  route: Route,
  now: number = Date.now(),
): Promise<number | null> {
  if (route.filter === undefined) return 0;
  const out = await ctx.aws('CloudWatch', () =>
    ctx.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - FILTERED_WINDOW_MS),
        EndTime: new Date(now),
        MetricDataQueries: [
          {
            Id: 'filtered',
            MetricStat: {
              Metric: {
                Namespace: METRICS_NAMESPACE,
                MetricName: METRIC.pollerFiltered,
                Dimensions: [
                  { Name: SERVICE_DIMENSION, Value: METRIC_PUBLISHER[METRIC.pollerFiltered] },
                  { Name: ROUTE_DIMENSION, Value: route.name },
                ],
              },
              // One period covering the window: a single sum.
              Period: FILTERED_WINDOW_MS / 1000,
              Stat: 'Sum',
            },
          },
        ],
      }),
    ),
  );
  const values = out.MetricDataResults?.[0]?.Values ?? [];
  return values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0);
}
