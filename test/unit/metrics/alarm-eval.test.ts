import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AlarmDefinition,
  evaluateAlarm,
  type MetricStat,
  type Statistic,
} from '../../support/metrics/alarm-eval.ts';
import type { Datapoint } from '../../support/metrics/datapoints.ts';
import { parseEmfLine } from '../../support/metrics/datapoints.ts';
import { evaluateExpression } from '../../support/metrics/expression.ts';

const SERIES = { namespace: 'KafkaBridge', metric: 'm', dimensions: { service: 's', route: 'r' } };
const point = (
  minute: number,
  value: number,
  dimensions: Record<string, string> = SERIES.dimensions,
): Datapoint => ({
  ...SERIES,
  dimensions,
  value,
  timestamp: minute * 60_000 + 1_000,
  origin: 'emf',
});
const stat = (s: Statistic, id = 'm'): { id: string; metricStat: MetricStat; returnData: boolean } => ({
  id,
  metricStat: { ...SERIES, stat: s, period: 60 },
  returnData: id === 'm',
});
const alarm = (over: Partial<AlarmDefinition> = {}): AlarmDefinition => ({
  name: 'a',
  queries: [stat('Maximum')],
  period: 60,
  threshold: 1,
  comparison: 'GreaterThanOrEqualToThreshold',
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: 'missing',
  ...over,
});
const window = (minutes: number) => ({ from: 0, until: minutes * 60_000 });
const states = (a: AlarmDefinition, points: Datapoint[], minutes: number) =>
  evaluateAlarm(a, points, window(minutes)).states.map((s) => s.state);

describe('CloudWatch alarm evaluation', () => {
  test('statistics per period', () => {
    const points = [point(0, 1), point(0, 3), point(0, 8)];
    const value = (s: Statistic) => evaluateAlarm(alarm({ queries: [stat(s)] }), points, window(1)).series[0];
    assert.deepEqual(
      (['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'] as const).map(value),
      [12, 4, 8, 1, 3],
    );
  });

  test('only the exact dimension set counts', () => {
    const points = [point(0, 5, { service: 's' }), point(0, 5, { service: 's', route: 'r', topic: 't' })];
    assert.deepEqual(states(alarm(), points, 1), ['INSUFFICIENT_DATA']);
  });

  test('comparison operators', () => {
    const at = (comparison: AlarmDefinition['comparison'], value: number) =>
      states(alarm({ comparison }), [point(0, value)], 1)[0];
    assert.equal(at('GreaterThanOrEqualToThreshold', 1), 'ALARM');
    assert.equal(at('GreaterThanThreshold', 1), 'OK');
    assert.equal(at('LessThanThreshold', 0), 'ALARM');
    assert.equal(at('LessThanThreshold', 1), 'OK');
    assert.equal(at('LessThanOrEqualToThreshold', 1), 'ALARM');
  });

  test('M out of N', () => {
    const points = [point(0, 2), point(1, 0), point(2, 2)];
    const a = alarm({ evaluationPeriods: 3, datapointsToAlarm: 2 });
    assert.deepEqual(states(a, points, 3), ['OK', 'OK', 'ALARM']);
    assert.deepEqual(states({ ...a, datapointsToAlarm: 3 }, points, 3), ['OK', 'OK', 'OK']);
  });

  test('missing data: breaching, notBreaching, ignore, missing', () => {
    const points = [point(0, 0)];
    const run = (treatMissingData: AlarmDefinition['treatMissingData']) =>
      states(alarm({ treatMissingData, evaluationPeriods: 2, datapointsToAlarm: 2 }), points, 4);
    assert.deepEqual(run('breaching'), ['OK', 'OK', 'ALARM', 'ALARM']);
    assert.deepEqual(run('notBreaching'), ['OK', 'OK', 'OK', 'OK']);
    assert.deepEqual(run('ignore'), ['OK', 'OK', 'OK', 'OK']);
    assert.deepEqual(run('missing'), ['OK', 'OK', 'INSUFFICIENT_DATA', 'INSUFFICIENT_DATA']);
  });

  test('a metric-math alarm evaluates its expression over its queries', () => {
    const stuck = alarm({
      queries: [
        { id: 'e', expression: 'IF(FILL(w, 0) > 0 AND FILL(DIFF(l), 0) >= 0, 1, 0)', returnData: true },
        {
          ...stat('Minimum', 'w'),
          metricStat: { ...SERIES, metric: 'waiting', stat: 'Minimum', period: 60 },
        },
        { ...stat('Maximum', 'l'), metricStat: { ...SERIES, metric: 'lag', stat: 'Maximum', period: 60 } },
      ],
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });
    const p = (metric: string, minute: number, value: number) => ({ ...point(minute, value), metric });
    const waiting = [0, 1, 2, 3, 4].map((m) => p('waiting', m, 2));
    const lag = [10, 10, 12, 12].map((v, m) => p('lag', m, v));
    assert.deepEqual(states(stuck, [...waiting, ...lag], 4), ['OK', 'OK', 'ALARM', 'ALARM']);
    // The lag went down in minute 1: the three minutes from 2 on are the first that all hold.
    const falling = [10, 9, 12, 12, 12].map((v, m) => p('lag', m, v));
    assert.deepEqual(states(stuck, [...waiting, ...falling], 5), ['OK', 'OK', 'OK', 'OK', 'ALARM']);
  });

  test('a scaled run divides the periods', () => {
    const points = [0, 1, 2].map((s) => ({ ...point(0, 2), timestamp: s * 1000 + 10 }));
    const result = evaluateAlarm(alarm({ evaluationPeriods: 3, datapointsToAlarm: 3 }), points, {
      from: 0,
      until: 3000,
      timeScale: 60,
    });
    assert.deepEqual(
      result.states.map((s) => s.state),
      ['OK', 'OK', 'ALARM'],
    );
  });

  test('what it does not model throws, naming it', () => {
    assert.throws(() => evaluateExpression('RATE(m)', new Map([['m', [1]]]), 1), /unsupported function RATE/);
    assert.throws(() => evaluateExpression('x + 1', new Map(), 1), /unknown id x/);
    assert.throws(
      () => states(alarm({ comparison: 'LessThanLowerThreshold' as never }), [point(0, 1)], 1),
      /unsupported comparison LessThanLowerThreshold/,
    );
  });

  test('DIFF skips missing periods; arithmetic with a missing operand is missing', () => {
    const ids = new Map([['a', [1, undefined, 4, 6]]]);
    assert.deepEqual(evaluateExpression('DIFF(a)', ids, 4), [undefined, undefined, 3, 2]);
    assert.deepEqual(evaluateExpression('a * 2 + 1', ids, 4), [3, undefined, 9, 13]);
    assert.deepEqual(evaluateExpression('FILL(a, 0)', ids, 4), [1, 0, 4, 6]);
  });
});

describe('EMF lines', () => {
  test('each metric of a line is a datapoint per dimension set', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: 5,
        CloudWatchMetrics: [
          {
            Namespace: 'N',
            Dimensions: [['service', 'route'], ['service']],
            Metrics: [{ Name: 'a' }, { Name: 'b' }],
          },
        ],
      },
      service: 's',
      route: 'r',
      a: 1,
      b: [2, 3],
    });
    const points = parseEmfLine(line);
    assert.equal(points.length, 6);
    assert.deepEqual(points[0], {
      namespace: 'N',
      metric: 'a',
      dimensions: { service: 's', route: 'r' },
      value: 1,
      timestamp: 5,
      origin: 'emf',
    });
    assert.deepEqual(parseEmfLine('{"level":"info","message":"hi"}'), []);
  });
});
