import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { RouteStatus } from '../poller/index.ts';
import { emittedCounters, routeMetricValues } from '../poller/route-metrics.ts';
import { METRICS_NAMESPACE, ROUTE_DIMENSION, SERVICE, SERVICE_DIMENSION } from '../runtime/contract.ts';

/** How often local mode publishes its pollers' metrics; deployed, the poller emits every 60 s. */
export const LOCAL_METRICS_INTERVAL_MS = 5_000;

/**
 * The poller's metrics in local mode: deployed, CloudWatch makes them from the poller's EMF lines
 * (functions/poller.ts); here the same values (lib/poller/route-metrics.ts), under the same
 * namespace and `{service, route}` dimensions, are put into the emulator's CloudWatch every
 * interval, so `kafka-bridge status` and the console read one series in both worlds. A failed
 * put is logged and the next interval tries again (the counters' growth is then counted there).
 */
export class LocalPollerMetrics {
  readonly #cloudwatch: CloudWatchClient;
  readonly #statuses: () => readonly RouteStatus[];
  readonly #onError: (error: unknown) => void;
  readonly #before = emittedCounters();
  #timer: NodeJS.Timeout | undefined;
  #publishing: Promise<void> = Promise.resolve();

  constructor(
    cloudwatch: CloudWatchClient,
    statuses: () => readonly RouteStatus[],
    onError: (error: unknown) => void,
  ) {
    this.#cloudwatch = cloudwatch;
    this.#statuses = statuses;
    this.#onError = onError;
  }

  start(intervalMs = LOCAL_METRICS_INTERVAL_MS): void {
    this.#timer = setInterval(() => void this.publish(), intervalMs);
  }

  /** Publishes every route's values now (also the last ones, at stop). */
  publish(): Promise<void> {
    const timestamp = new Date();
    const statuses = this.#statuses();
    this.#publishing = this.#publishing.then(() =>
      Promise.all(
        statuses.map((status) =>
          this.#cloudwatch.send(
            new PutMetricDataCommand({
              Namespace: METRICS_NAMESPACE,
              MetricData: routeMetricValues(status, this.#before).map(([name, value]) => ({
                MetricName: name,
                Dimensions: [
                  { Name: SERVICE_DIMENSION, Value: SERVICE.poller },
                  { Name: ROUTE_DIMENSION, Value: status.route },
                ],
                Value: value,
                Unit: 'Count',
                Timestamp: timestamp,
              })),
            }),
          ),
        ),
      ).then(
        () => undefined,
        (error: unknown) => this.#onError(error),
      ),
    );
    return this.#publishing;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.publish();
  }
}
