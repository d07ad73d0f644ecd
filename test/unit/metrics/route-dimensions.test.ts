// The dimension sets the alarms read must survive every flush: a route added with
// `addDimension` is cleared by the first `publishStoredMetrics()` (which the logMetrics
// middleware calls after each invocation), and a singleMetric() clears it after its first metric.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE } from '../../../lib/runtime/contract.ts';
import { bridgeMetrics, dimensioned } from '../../../lib/runtime/metrics.ts';

interface EmfLine {
  readonly _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  readonly [key: string]: unknown;
}

/** The EMF lines `run` writes to stdout (where Powertools writes them). */
function emitted(run: () => void): EmfLine[] {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line.startsWith('{')),
    );
    return true;
  }) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return lines.map((line) => JSON.parse(line) as EmfLine).filter((line) => line._aws !== undefined);
}

/** Each metric name of a line with its dimension set (names and values). */
function series(lines: readonly EmfLine[]): { metric: string; dimensions: Record<string, unknown> }[] {
  return lines.flatMap((line) =>
    line._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Metrics.flatMap((metric) =>
        directive.Dimensions.map((set) => ({
          metric: metric.Name,
          dimensions: Object.fromEntries(set.map((name) => [name, line[name]])),
        })),
      ),
    ),
  );
}

describe('route dimensions of the bridge metrics', () => {
  test('a per-route function keeps {service, route} on every flush, not only the first', () => {
    const metrics = bridgeMetrics(SERVICE.deliver, 'orders');
    const lines = emitted(() => {
      for (let invocation = 0; invocation < 3; invocation++) {
        metrics.addMetric('mps.writer.success.count', MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      }
    });
    assert.equal(lines.length, 3);
    assert.equal(lines[0]?._aws.CloudWatchMetrics[0]?.Namespace, METRICS_NAMESPACE);
    for (const [i, s] of series(lines).entries()) {
      assert.deepEqual(s.dimensions, { service: SERVICE.deliver, route: 'orders' }, `flush ${i + 1}`);
    }
  });

  test('a dimension set keeps all its dimensions for every metric written, not only the first', () => {
    const metrics = bridgeMetrics(SERVICE.commit);
    const lines = emitted(() => {
      const route = dimensioned(metrics, { route: 'orders' });
      route.addMetric('mps.commit.lag', MetricUnit.Count, 5);
      route.addMetric('mps.commit.waiting', MetricUnit.Count, 2);
      const partition = dimensioned(metrics, { route: 'orders', topic: 't', partition: '0' });
      partition.addMetric('mps.commit.lag', MetricUnit.Count, 5);
      partition.addMetric('mps.commit.waiting', MetricUnit.Count, 2);
    });
    assert.deepEqual(series(lines), [
      { metric: 'mps.commit.lag', dimensions: { service: SERVICE.commit, route: 'orders' } },
      { metric: 'mps.commit.waiting', dimensions: { service: SERVICE.commit, route: 'orders' } },
      ...['mps.commit.lag', 'mps.commit.waiting'].map((metric) => ({
        metric,
        dimensions: { service: SERVICE.commit, route: 'orders', topic: 't', partition: '0' },
      })),
    ]);
  });

  test('the parent keeps only its own defaults: a dimension set does not leak into it', () => {
    const metrics = bridgeMetrics(SERVICE.commit);
    emitted(() => dimensioned(metrics, { route: 'orders' }).addMetric('mps.commit.lag', MetricUnit.Count, 1));
    const lines = emitted(() => {
      metrics.addMetric('mps.commit.lag.largest', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    });
    assert.deepEqual(series(lines), [
      { metric: 'mps.commit.lag.largest', dimensions: { service: SERVICE.commit } },
    ]);
  });
});
