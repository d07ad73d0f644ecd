/**
 * CloudWatch alarm semantics over recorded datapoints, for the subset the bridge's template
 * uses: a metric alarm (one metric, a statistic, a period) or a metric-math alarm (metric
 * queries and one expression that returns data: DIFF, FILL, IF, arithmetic, comparisons, AND,
 * OR), a threshold and comparison operator, M out of N datapoints (DatapointsToAlarm of
 * EvaluationPeriods) and the missing-data rule. Anything else throws, naming it.
 *
 * Datapoints fall into periods aligned to the epoch, as CloudWatch aligns them; a period with no
 * datapoint is missing. The alarm is evaluated at the end of every whole period of the window:
 * the last N periods' values are breaching, not breaching or missing; missing ones count as
 * breaching (`breaching`), not breaching (`notBreaching`), or not at all (`missing`, `ignore`).
 * ALARM when at least M are breaching; else OK, except that N missing periods leave the state
 * INSUFFICIENT_DATA (`missing`) or unchanged (`ignore`). Partial-window subtleties of AWS's
 * missing-data table beyond that are not modelled.
 */
import { type Datapoint, inSeries } from './datapoints.ts';
import { evaluateExpression, type Series } from './expression.ts';

export type Statistic = 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount';
export type Comparison =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface MetricStat {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: Statistic;
  /** Seconds. */
  readonly period: number;
}

export interface Query {
  readonly id: string;
  readonly metricStat?: MetricStat;
  readonly expression?: string;
  readonly returnData: boolean;
}

export interface AlarmDefinition {
  readonly name: string;
  readonly queries: readonly Query[];
  /** Seconds. */
  readonly period: number;
  readonly threshold: number;
  readonly comparison: Comparison;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: MissingData;
}

export interface EvaluationWindow {
  /** Epoch ms: the first period evaluated is the one holding `from`, the last the one ending by `until`. */
  readonly from: number;
  readonly until: number;
  /** Periods are divided by this (a scaled run); 1 by default. */
  readonly timeScale?: number;
}

export interface Evaluation {
  readonly states: readonly { readonly at: number; readonly state: AlarmState }[];
  readonly series: Series;
  readonly reachedAlarm: boolean;
}

const STATISTICS: Readonly<Record<Statistic, (values: readonly number[]) => number>> = {
  Sum: (v) => v.reduce((a, b) => a + b, 0),
  Average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  Maximum: (v) => Math.max(...v),
  Minimum: (v) => Math.min(...v),
  SampleCount: (v) => v.length,
};

const COMPARISONS: Readonly<Record<Comparison, (value: number, threshold: number) => boolean>> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/** One statistic per period for a metric, over periods [first, first + count). */
export function statSeries(
  stat: MetricStat,
  datapoints: readonly Datapoint[],
  periodMs: number,
  first: number,
  count: number,
): Series {
  const aggregate = STATISTICS[stat.stat];
  if (aggregate === undefined) throw new Error(`unsupported statistic ${stat.stat}`);
  const buckets: number[][] = Array.from({ length: count }, () => []);
  for (const point of datapoints) {
    if (!inSeries(point, stat)) continue;
    const index = Math.floor(point.timestamp / periodMs) - first;
    if (index >= 0 && index < count) buckets[index]?.push(point.value);
  }
  return buckets.map((values) => (values.length === 0 ? undefined : aggregate(values)));
}

/** The alarm's states at the end of each whole period of the window. */
export function evaluateAlarm(
  alarm: AlarmDefinition,
  datapoints: readonly Datapoint[],
  window: EvaluationWindow,
): Evaluation {
  const compare = COMPARISONS[alarm.comparison];
  if (compare === undefined) throw new Error(`${alarm.name}: unsupported comparison ${alarm.comparison}`);
  const periodMs = (alarm.period * 1000) / (window.timeScale ?? 1);
  const first = Math.floor(window.from / periodMs);
  const count = Math.max(0, Math.floor(window.until / periodMs) - first);
  const values = new Map<string, Series>();
  for (const query of alarm.queries) {
    if (query.metricStat === undefined) continue;
    if (query.metricStat.period !== alarm.period)
      throw new Error(`${alarm.name}: query ${query.id} has another period than the alarm`);
    values.set(query.id, statSeries(query.metricStat, datapoints, periodMs, first, count));
  }
  const returned = alarm.queries.filter((query) => query.returnData);
  if (returned.length !== 1) throw new Error(`${alarm.name}: ${returned.length} queries return data, not 1`);
  const [result] = returned as [Query];
  const series =
    result.expression === undefined
      ? (values.get(result.id) ?? [])
      : evaluateExpression(result.expression, values, count);
  const states: { at: number; state: AlarmState }[] = [];
  let state: AlarmState = 'INSUFFICIENT_DATA';
  const n = alarm.evaluationPeriods;
  for (let end = 0; end < count; end++) {
    let breaching = 0;
    let missing = 0;
    for (let i = end - n + 1; i <= end; i++) {
      const value = i < 0 ? undefined : series[i];
      if (value === undefined) missing++;
      else if (compare(value, alarm.threshold)) breaching++;
    }
    if (alarm.treatMissingData === 'breaching') breaching += missing;
    if (breaching >= alarm.datapointsToAlarm) state = 'ALARM';
    else if (missing === n && alarm.treatMissingData === 'missing') state = 'INSUFFICIENT_DATA';
    else if (!(missing === n && alarm.treatMissingData === 'ignore')) state = 'OK';
    states.push({ at: (first + end + 1) * periodMs, state });
  }
  return { states, series, reachedAlarm: states.some((s) => s.state === 'ALARM') };
}
