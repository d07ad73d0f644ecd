/**
 * The alarm test's two checks of one alarm of the template against a run's recorded datapoints
 * (docs/testing.md, "Alarms from emitted metrics"): every metric it reads was recorded in
 * exactly its series (the bridge's own EMF for its namespace, the stand-ins for AWS's), and
 * evaluated over the run it reached ALARM; an alarm whose missing data breaches must reach it
 * only once its publisher went silent (`silentFrom`), not because nothing was published yet
 * (evaluated from the publisher's first datapoint).
 */
import { type EvaluationWindow, evaluateAlarm } from './alarm-eval.ts';
import { type Datapoint, inSeries } from './datapoints.ts';
import type { TemplateAlarm } from './template-alarms.ts';

export function alarmProblems(
  alarm: TemplateAlarm,
  datapoints: readonly Datapoint[],
  window: EvaluationWindow & { readonly silentFrom: number },
): string[] {
  const problems: string[] = [];
  for (const query of alarm.queries) {
    const stat = query.metricStat;
    if (stat === undefined) continue;
    const origin = stat.namespace.startsWith('AWS/') ? 'vended' : 'emf';
    const points = datapoints.filter((p) => inSeries(p, stat));
    if (points.length > 0 && points.every((p) => p.origin === origin)) continue;
    const near = datapoints.filter((p) => p.namespace === stat.namespace && p.metric === stat.metric);
    const sets = [...new Set(near.map((p) => JSON.stringify(p.dimensions)))].join(' ');
    problems.push(
      `${alarm.name} (${query.id}): no ${origin} datapoint of ${stat.namespace} ${stat.metric} ${JSON.stringify(stat.dimensions)}; recorded dimension sets of it: ${sets || 'none'}`,
    );
  }
  // Evaluated from the publisher's first datapoint: periods before it are the start of the run
  // (a deployed alarm is created before its publisher runs too), and under load the first one
  // can land a period late. Whether silence brings ALARM is judged after that.
  const published = datapoints
    .filter((p) => alarm.queries.some((q) => q.metricStat !== undefined && inSeries(p, q.metricStat)))
    .reduce((min, p) => Math.min(min, p.timestamp), Number.POSITIVE_INFINITY);
  const from = Number.isFinite(published) ? Math.max(window.from, published) : window.from;
  const evaluation = evaluateAlarm(alarm, datapoints, { ...window, from });
  const firstAlarm = evaluation.states.find((s) => s.state === 'ALARM');
  const series = JSON.stringify(evaluation.series);
  if (firstAlarm === undefined) problems.push(`${alarm.name} never reached ALARM; its series: ${series}`);
  else if (alarm.treatMissingData === 'breaching' && firstAlarm.at < window.silentFrom)
    problems.push(`${alarm.name} was in ALARM before its publisher stopped; its series: ${series}`);
  return problems;
}
