import type { DeliverMetrics, MetricName } from '../deliver/observability.ts';

/**
 * The deliverer's and the redrive consumer's metrics, summed in memory: local mode has no
 * CloudWatch to send them to, and the demo's progress table reads them.
 */
export class MetricCounters implements DeliverMetrics {
  readonly #counts = new Map<MetricName, number>();

  count(name: MetricName, value: number): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + value);
  }

  duration(): void {
    // Latencies are not shown locally; counting them would only cost memory.
  }

  get(name: MetricName): number {
    return this.#counts.get(name) ?? 0;
  }
}
