// The benchmarks' shared pieces that turn measurements into figures: percentiles, the steady
// rate, argument parsing and the SVG charts (bench/lib/stats.ts, args.ts, plot.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numericArgs } from '../../../bench/lib/args.ts';
import type { Arrival } from '../../../bench/lib/endpoint.ts';
import { barChart, lineChart, niceTicks } from '../../../bench/lib/plot.ts';
import { latencyOf, percentile, steadyRate } from '../../../bench/lib/stats.ts';

function arrival(at: number, producedAt = at - 10): Arrival {
  return { recordId: `r/t/0/${at}`, key: 'k', at, producedAt, requests: 1, succeeded: true };
}

test('percentile: nearest rank, unsorted input, NaN when empty', () => {
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10), 1);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('steadyRate: the rate between the 5th and 95th percentile, a slow start left out', () => {
  // 100 arrivals 10 ms apart (100/s), after 5 stragglers at the start spread over 5 s.
  const start = [0, 1000, 2000, 3000, 4000].map((at) => arrival(at));
  const steady = Array.from({ length: 100 }, (_, i) => arrival(10_000 + i * 10));
  const rate = steadyRate([...start, ...steady]);
  assert.ok(rate > 95 && rate < 105, `rate ${rate}`);
  assert.equal(steadyRate([arrival(1)]), 0);
});

test('latencyOf: endpoint arrival minus produce time', () => {
  const figures = latencyOf([arrival(1000, 900), arrival(2000, 1950), arrival(3000, 2990)]);
  assert.deepEqual(figures, { p50Ms: 50, p99Ms: 100, count: 3 });
});

test('numericArgs: defaults, overrides, and errors that name the problem', () => {
  assert.deepEqual(numericArgs({ a: 1, b: 2 }, ['--b=5']), { a: 1, b: 5 });
  assert.throws(() => numericArgs({ a: 1 }, ['--c=5']), /unknown parameter --c \(known: a\)/);
  assert.throws(() => numericArgs({ a: 1 }, ['--a=-1']), /--a must be a positive number/);
  assert.throws(() => numericArgs({ a: 1 }, ['a=1']), /use --name=value/);
});

test('niceTicks: round steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 200), [0, 50, 100, 150, 200]);
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});

test('lineChart: one polyline per series, points placed, text escaped', () => {
  const svg = lineChart({
    title: 'rate <by> C',
    xLabel: 'C',
    yLabel: 'records/s',
    xLog2: true,
    series: [
      {
        name: 'measured',
        points: [
          { x: 1, y: 10 },
          { x: 2, y: 20 },
          { x: 4, y: 30 },
        ],
      },
      {
        name: 'bound',
        points: [
          { x: 1, y: 10 },
          { x: 4, y: 40 },
        ],
        dashed: true,
      },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<polyline /g)?.length, 2);
  assert.equal(svg.match(/<circle /g)?.length, 5);
  assert.match(svg, /rate &#60;by&#62; C/);
  assert.match(svg, /stroke-dasharray/);
  assert.throws(() => lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] }), /no points/);
  assert.throws(
    () =>
      lineChart({
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        xLog2: true,
        series: [{ name: 's', points: [{ x: 0, y: 1 }] }],
      }),
    /cannot go on a log axis/,
  );
});

test('barChart: a bar per value, heights in proportion, mismatched groups refused', () => {
  const svg = barChart({
    title: 'throughput',
    yLabel: 'records/s',
    seriesNames: ['measured', 'bound'],
    groups: [
      { label: 'bridge', values: [100, 200] },
      { label: 'peer', values: [50, 40] },
    ],
  });
  const heights = [...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"/g)].map((m) =>
    Number(m[1]),
  );
  assert.equal(heights.length, 4);
  const [a = 0, b = 0] = heights;
  assert.ok(Math.abs(b / a - 2) < 0.01, `heights ${heights}`);
  assert.throws(
    () =>
      barChart({ title: 't', yLabel: 'y', seriesNames: ['a', 'b'], groups: [{ label: 'g', values: [1] }] }),
    /has 1 values for 2 series/,
  );
});
