import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Assignment } from '../../../lib/poller/assignment.ts';
import type { Owned } from '../../../lib/poller/owned.ts';
import { backpressureWith, FakeConsumer, FakeOffsets, pollerRoute, RecordingLog } from './fakes.ts';

function world(overrides: Record<string, unknown> = {}) {
  const route = pollerRoute(overrides);
  const owned = new Map<string, Owned>();
  const offsets = new FakeOffsets();
  const log = new RecordingLog();
  const consumer = new FakeConsumer();
  const backpressure = backpressureWith(route, owned, offsets, log);
  const assignment = new Assignment({ route, owned, offsets, backpressure, log, isActive: () => true });
  const join = (memberId: string, partitions: number[]) =>
    assignment.onJoin(consumer, { payload: { memberId, memberAssignment: { orders: partitions } } } as never);
  return { owned, offsets, log, consumer, assignment, join };
}

describe('Assignment', () => {
  test('assigned partitions are paused at once, then positioned at the progress group offset and resumed', async () => {
    // Prepare
    const w = world();
    w.offsets.committedAt.set('orders/0', 40n);
    w.offsets.committedAt.set('orders/1', 7n);

    // Act
    const positioned = w.join('m1', [0, 1]);
    const synchronously = [...w.consumer.calls];
    await positioned;

    // Assess
    assert.deepEqual(synchronously, ['pause orders/0,1'], 'paused before any fetch could start');
    assert.deepEqual(w.consumer.calls.slice(1), [
      'seek orders/0@40',
      'resume orders/0',
      'seek orders/1@7',
      'resume orders/1',
    ]);
    assert.equal(w.owned.get('orders/0')?.progress?.next, 40n);
    assert.equal(w.owned.get('orders/1')?.progress?.chain, 7n);
    assert.equal(w.assignment.memberId, 'm1');
  });

  test('a partition without a progress group offset starts at startFrom, written to the group first', async () => {
    for (const [startFrom, expected] of [
      ['earliest', 3n],
      ['latest', 90n],
    ] as const) {
      const w = world({ startFrom });
      w.offsets.marks.set('orders/0', { low: 3n, high: 90n });
      await w.join('m1', [0]);
      assert.deepEqual(w.offsets.commits, [`orders/0@${expected}`], startFrom);
      assert.equal(w.owned.get('orders/0')?.progress?.next, expected, startFrom);
    }
  });

  test('a partition kept by the same member keeps its own position; a new member starts from the group', async () => {
    // Prepare: forwarded up to 50, committed 40
    const w = world();
    w.offsets.committedAt.set('orders/0', 40n);
    await w.join('m1', [0]);
    for (let o = 40n; o < 50n; o++) w.owned.get('orders/0')?.progress?.forwarded(o);

    // Act
    await w.join('m1', [0]);
    const kept = w.owned.get('orders/0')?.progress?.next;
    await w.join('m2', [0]);

    // Assess
    assert.equal(kept, 50n);
    assert.equal(w.owned.get('orders/0')?.progress?.next, 40n);
  });

  test('partitions no longer assigned are dropped', async () => {
    const w = world();
    w.offsets.committedAt.set('orders/0', 0n);
    w.offsets.committedAt.set('orders/1', 0n);
    await w.join('m1', [0, 1]);
    await w.join('m1', [1]);
    assert.deepEqual([...w.owned.keys()], ['orders/1']);
  });

  test('records deleted before they were forwarded are counted lost; the group moves to the log start', async () => {
    // Prepare
    const w = world();
    w.offsets.committedAt.set('orders/0', 10n);
    await w.join('m1', [0]);
    const owned = w.owned.get('orders/0') as Owned;
    w.offsets.marks.set('orders/0', { low: 25n, high: 30n });

    // Act
    const skipped = await w.assignment.skipDeletedRecords(w.consumer, owned, owned.progress as never);

    // Assess
    assert.equal(skipped, true);
    assert.equal(owned.lost, 15n);
    assert.deepEqual(w.offsets.commits, ['orders/0@25']);
    assert.equal(owned.progress?.next, 25n);
    assert.equal(w.consumer.calls.at(-1), 'seek orders/0@25');
    assert.ok(
      w.log.lines.includes(
        'error records were deleted from Kafka before they were forwarded; going on from the log start',
      ),
    );
  });
});
