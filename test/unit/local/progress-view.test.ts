import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import type { RouteProgress } from '../../../lib/local/bridge.ts';
import { MetricCounters } from '../../../lib/local/counters.ts';
import { ProgressView } from '../../../lib/local/progress-view.ts';

/*
 * The live progress of local mode: its numbers must agree with each other at any moment, and
 * its words must not reuse the console's and `kafka-bridge status`'s "in flight" (messages in
 * the route's queue) for a different number (forwarded, not yet committed).
 */

/** A route whose last commit run (a second ago) saw log end 10, while the poller forwarded 13 since. */
function staleCommit(): RouteProgress {
  return {
    route: 'orders',
    counters: new MetricCounters(),
    partitions: [
      { topic: 'orders', partition: 0, before: 0n, after: 4n, logEnd: 10n, lag: 6n, waitingBehindHole: 0 },
    ],
    poller: {
      route: 'orders',
      running: true,
      memberId: 'm',
      partitions: [
        {
          topic: 'orders',
          partition: 0,
          next: '13',
          committed: '4',
          inFlight: 9,
          paused: [],
          forwarded: 13,
          filtered: 0,
          lost: '0',
          lastError: undefined,
        },
      ],
    },
  };
}

function drawn(tty: boolean): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  new ProgressView(Object.assign(out, { columns: 200 }), tty).render([staleCommit()]);
  return text;
}

describe('local mode progress', () => {
  test('a partition never shows more forwarded than its log end: the poller position freshens a stale log end', () => {
    const row = drawn(true)
      .split('\n')
      .find((line) => /^\s+0\s/.test(line));
    assert.ok(row, drawn(true));
    const [, forwarded, uncommitted, committed, logEnd, lag] = row.trim().split(/\s+/);
    assert.deepEqual([forwarded, uncommitted, committed, logEnd, lag], ['13', '9', '4', '13', '9']);
  });

  test('the plain line says "uncommitted", not the console\'s "in flight", and its lag agrees', () => {
    const line = drawn(false);
    assert.match(line, /forwarded 13 uncommitted 9 .* committed 4 lag 9/);
    assert.doesNotMatch(line, /in.flight/);
    assert.doesNotMatch(drawn(true), /in flight/);
  });
});
