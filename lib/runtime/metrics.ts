/*
 * The one way the bridge's parts make their Powertools Metrics (EMF), so the dimension sets the
 * alarms read (lib/runtime/contract.ts) survive every flush.
 *
 * Powertools keeps *default* dimensions across flushes but clears dimensions added with
 * `addDimension` at each `publishStoredMetrics()` (the `logMetrics` middleware flushes after
 * every invocation), and a `singleMetric()` flushes, and so clears, at each `addMetric`. A
 * dimension that must hold for every metric of an instance is therefore a default dimension:
 * set here, never with `addDimension`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, ROUTE_DIMENSION, type SERVICE } from './contract.ts';

type Service = (typeof SERVICE)[keyof typeof SERVICE];

/**
 * A part's metrics under the bridge's namespace, `service` = its service name; with `route`,
 * every metric it ever flushes also carries `{route}` (the per-route functions).
 */
export function bridgeMetrics(service: Service, route?: string): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: service,
    ...(route === undefined ? {} : { defaultDimensions: { [ROUTE_DIMENSION]: route } }),
  });
}

/**
 * An emitter for one dimension set on top of `metrics`' defaults (its `service`): each
 * `addMetric` is written at once with all of them, however many metrics it is given.
 */
export function dimensioned(metrics: Metrics, dimensions: Readonly<Record<string, string>>): Metrics {
  const single = metrics.singleMetric();
  single.setDefaultDimensions({ ...dimensions });
  return single;
}
