import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PartitionStatus, RouteStatus } from '../../../lib/poller/index.ts';
import {
  escapeLabelValue,
  ForwardedTotals,
  prometheusName,
  prometheusText,
} from '../../../lib/poller/prometheus.ts';

function partition(
  overrides: Partial<PartitionStatus> & Pick<PartitionStatus, 'partition'>,
): PartitionStatus {
  return {
    topic: 't',
    next: '0',
    committed: '0',
    inFlight: 0,
    paused: [],
    forwarded: 0,
    filtered: 0,
    lost: '0',
    lastError: undefined,
    ...overrides,
  };
}

function route(name: string, partitions: PartitionStatus[], running = true): RouteStatus {
  return { route: name, running, memberId: 'm-1', partitions };
}

describe('prometheusName', () => {
  test('replaces what Prometheus does not allow and keeps a leading digit out', () => {
    assert.equal(prometheusName('mps.buffer.size'), 'mps_buffer_size');
    assert.equal(prometheusName('mps-writer latency/ms'), 'mps_writer_latency_ms');
    assert.equal(prometheusName('a:b_c9'), 'a:b_c9');
    assert.equal(prometheusName('9lives'), '_9lives');
  });
});

describe('escapeLabelValue', () => {
  test('escapes backslash, double quote and line feed, in that order', () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    assert.equal(escapeLabelValue('orders.v1-eu'), 'orders.v1-eu');
  });
});

describe('prometheusText', () => {
  test('writes every family with HELP and TYPE, per route and per partition, exactly', () => {
    const routes = [
      route('orders', [
        partition({ partition: 0, next: '120', committed: '100', inFlight: 20, forwarded: 120 }),
        partition({
          partition: 1,
          next: '7',
          committed: '2',
          inFlight: 5,
          paused: ['in-flight', 'rate'],
          forwarded: 7,
          lost: '3',
        }),
      ]),
      route('idle', [], false),
    ];
    const text = prometheusText({
      routes,
      forwardedTotals: new Map([
        ['orders', 127],
        ['idle', 0],
      ]),
    });
    const o = 'route="orders",topic="t"';
    assert.equal(
      text,
      [
        '# HELP mps_poller_heartbeat 1 while the route poller runs, 0 when it stopped.',
        '# TYPE mps_poller_heartbeat gauge',
        'mps_poller_heartbeat{route="orders"} 1',
        'mps_poller_heartbeat{route="idle"} 0',
        '# HELP mps_reader_poll_count_total Records forwarded to the route queue since the poller process started.',
        '# TYPE mps_reader_poll_count_total counter',
        'mps_reader_poll_count_total{route="orders"} 127',
        'mps_reader_poll_count_total{route="idle"} 0',
        '# HELP mps_poller_forwarded_total Records forwarded from the partition since this poller was assigned it.',
        '# TYPE mps_poller_forwarded_total counter',
        `mps_poller_forwarded_total{${o},partition="0"} 120`,
        `mps_poller_forwarded_total{${o},partition="1"} 7`,
        '# HELP mps_buffer_size Records forwarded and not yet committed by the progress group (in flight).',
        '# TYPE mps_buffer_size gauge',
        `mps_buffer_size{${o},partition="0"} 20`,
        `mps_buffer_size{${o},partition="1"} 5`,
        '# HELP mps_poller_paused Whether fetching the partition is paused for the reason (1) or not (0).',
        '# TYPE mps_poller_paused gauge',
        `mps_poller_paused{${o},partition="0",reason="positioning"} 0`,
        `mps_poller_paused{${o},partition="0",reason="in-flight"} 0`,
        `mps_poller_paused{${o},partition="0",reason="rate"} 0`,
        `mps_poller_paused{${o},partition="0",reason="registry"} 0`,
        `mps_poller_paused{${o},partition="1",reason="positioning"} 0`,
        `mps_poller_paused{${o},partition="1",reason="in-flight"} 1`,
        `mps_poller_paused{${o},partition="1",reason="rate"} 1`,
        `mps_poller_paused{${o},partition="1",reason="registry"} 0`,
        '# HELP mps_poller_next_offset Offset of the next record to forward (absent while the partition is positioned).',
        '# TYPE mps_poller_next_offset gauge',
        `mps_poller_next_offset{${o},partition="0"} 120`,
        `mps_poller_next_offset{${o},partition="1"} 7`,
        '# HELP mps_poller_committed_offset Committed offset of the progress group, as last read (absent while positioned).',
        '# TYPE mps_poller_committed_offset gauge',
        `mps_poller_committed_offset{${o},partition="0"} 100`,
        `mps_poller_committed_offset{${o},partition="1"} 2`,
        '# HELP mps_poller_lost_total Records deleted from Kafka (retention) before they could be forwarded.',
        '# TYPE mps_poller_lost_total counter',
        `mps_poller_lost_total{${o},partition="0"} 0`,
        `mps_poller_lost_total{${o},partition="1"} 3`,
        '',
      ].join('\n'),
    );
  });

  test('escapes label values; a partition being positioned has no offset samples', () => {
    const routes = [
      route('r', [
        partition({
          topic: 'we"ird\\topic\nx',
          partition: 2,
          next: undefined,
          committed: undefined,
          paused: ['positioning'],
        }),
      ]),
    ];
    const lines = prometheusText({ routes, forwardedTotals: new Map() }).split('\n');
    const labels = 'route="r",topic="we\\"ird\\\\topic\\nx",partition="2"';
    assert.ok(lines.includes(`mps_buffer_size{${labels}} 0`));
    assert.ok(lines.includes(`mps_poller_paused{${labels},reason="positioning"} 1`));
    assert.ok(lines.includes('mps_reader_poll_count_total{route="r"} 0'), 'a route without a total shows 0');
    assert.ok(!lines.some((l) => l.startsWith('mps_poller_next_offset{')));
    assert.ok(!lines.some((l) => l.startsWith('mps_poller_committed_offset{')));
    assert.ok(lines.includes('# TYPE mps_poller_next_offset gauge'), 'the family is still described');
  });

  test('every line is a comment or a well-formed sample, and each family is contiguous', () => {
    const routes = [route('a', [partition({ partition: 0 }), partition({ partition: 1 })]), route('b', [])];
    const lines = prometheusText({ routes, forwardedTotals: new Map() }).trimEnd().split('\n');
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? -?[0-9]+$/;
    const seen: string[] = [];
    for (const line of lines) {
      if (line.startsWith('# ')) continue;
      const match = sample.exec(line);
      assert.ok(match !== null, `malformed sample line: ${line}`);
      const name = match[1] as string;
      if (seen.at(-1) !== name) {
        assert.ok(!seen.includes(name), `family ${name} is split`);
        seen.push(name);
      }
    }
  });
});

describe('ForwardedTotals', () => {
  test('adds what is new per partition; a restarted partition count is all new; never goes down', () => {
    const totals = new ForwardedTotals();
    const p = (n: number, forwarded: number) => partition({ partition: n, forwarded });
    assert.equal(totals.observe([route('r', [p(0, 10), p(1, 5)])]).get('r'), 15);
    assert.equal(totals.observe([route('r', [p(0, 12), p(1, 5)])]).get('r'), 17);
    // partition 1 was revoked: the total keeps what it forwarded
    assert.equal(totals.observe([route('r', [p(0, 12)])]).get('r'), 17);
    // partition 1 came back and restarted its count at 0
    assert.equal(totals.observe([route('r', [p(0, 12), p(1, 3)])]).get('r'), 20);
    // partition 0 was reassigned between observations: its count went back, all of it is new
    assert.equal(totals.observe([route('r', [p(0, 4), p(1, 3)])]).get('r'), 24);
  });
});
