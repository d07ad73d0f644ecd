import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newOwned, type Owned } from '../../../lib/poller/owned.ts';
import { PartitionProgress } from '../../../lib/poller/partition-progress.ts';
import { backpressureWith, FakeConsumer, FakeOffsets, noWork, pollerRoute, RecordingLog } from './fakes.ts';

/** Partition orders/0 positioned at `start`, owned by a Backpressure over fakes. */
function world(start = 0n, route = pollerRoute({ maxInFlight: 2 })) {
  const owned: Owned = newOwned('orders', 0, Promise.resolve());
  owned.progress = new PartitionProgress('orders', 0, start);
  const offsets = new FakeOffsets();
  offsets.committedAt.set('orders/0', start);
  const log = new RecordingLog();
  const consumer = new FakeConsumer();
  const backpressure = backpressureWith(route, new Map([['orders/0', owned]]), offsets, log);
  return { owned, progress: owned.progress, offsets, log, consumer, backpressure };
}

describe('Backpressure', () => {
  test('a partition resumes, seeked to next, only when its last pause reason is cleared', () => {
    const w = world();
    w.backpressure.pause(w.consumer, w.owned, 'rate');
    w.backpressure.pause(w.consumer, w.owned, 'registry');
    w.backpressure.unpause(w.consumer, w.owned, 'rate');
    const stillPaused = [...w.owned.paused];
    w.backpressure.unpause(w.consumer, w.owned, 'registry');
    assert.deepEqual(stillPaused, ['registry']);
    assert.deepEqual(w.consumer.calls, ['pause orders/0', 'seek orders/0@0', 'resume orders/0']);
  });

  test('the progress poll resumes a partition whose in-flight window has room again', async () => {
    // Prepare: two records in flight fill maxInFlight 2
    const w = world();
    w.progress.forwarded(0n);
    w.progress.forwarded(1n);
    w.backpressure.pause(w.consumer, w.owned, 'in-flight');

    // Act: nothing committed yet, then the commit function passes record 0
    await w.backpressure.pollProgress(w.consumer);
    const afterFirstPoll = [...w.owned.paused];
    w.offsets.committedAt.set('orders/0', 1n);
    await w.backpressure.pollProgress(w.consumer);

    // Assess
    assert.deepEqual(afterFirstPoll, ['in-flight']);
    assert.equal(w.owned.paused.size, 0);
    assert.deepEqual(w.consumer.calls, ['pause orders/0', 'seek orders/0@2', 'resume orders/0']);
  });

  test('a filtered tail is committed once every forwarded record is, never before', async () => {
    // Prepare: 0 forwarded, 1-4 filtered
    const w = world();
    w.progress.forwarded(0n);
    w.progress.filtered(4n);

    // Act
    await w.backpressure.pollProgress(w.consumer);
    await w.owned.busy;
    const whileInFlight = [...w.offsets.commits];
    w.offsets.committedAt.set('orders/0', 1n); // the deliverer finished 0
    await w.backpressure.pollProgress(w.consumer);
    await w.owned.busy;

    // Assess
    assert.deepEqual(whileInFlight, [], 'record 0 is not finished: nothing may pass it');
    assert.deepEqual(w.offsets.commits, ['orders/0@5']);
    assert.equal(w.progress.committed, 5n);
  });

  test('the filtered tail commit waits for the batch being forwarded, and checks again after it', async () => {
    // Prepare: a batch is under way and forwards record 5 before it ends
    const w = world();
    w.progress.filtered(4n);
    const { promise, resolve: finish } = Promise.withResolvers<void>();
    w.owned.busy = promise;

    // Act
    await w.backpressure.pollProgress(w.consumer);
    w.progress.forwarded(5n);
    finish();
    await sleep(0);
    await w.owned.busy;

    // Assess: record 5 is in flight now, so the group must not move
    assert.deepEqual(w.offsets.commits, []);
  });

  test('a failed filtered tail commit is logged and tried again at the next poll', async () => {
    const w = world();
    w.progress.filtered(9n);
    w.offsets.failCommits = true;
    await w.backpressure.pollProgress(w.consumer);
    await w.owned.busy;
    w.offsets.failCommits = false;
    await w.backpressure.pollProgress(w.consumer);
    await w.owned.busy;
    assert.deepEqual(w.log.lines, [
      'warn committing past filtered records failed; trying again at the next poll',
    ]);
    assert.deepEqual(w.offsets.commits, ['orders/0@10']);
  });

  test('a timed pause resumes when due, unless the partition was repositioned meanwhile', async () => {
    const w = world();
    w.backpressure.pauseFor(w.consumer, w.owned, 'registry', 5);
    await sleep(30);
    const resumed = w.owned.paused.size === 0;
    w.backpressure.pauseFor(w.consumer, w.owned, 'registry', 5);
    w.owned.epoch++;
    await sleep(30);
    assert.equal(resumed, true);
    assert.deepEqual([...w.owned.paused], ['registry']);
  });

  test('a token due soon is waited for in place, without flushing', async () => {
    const w = world(0n, pollerRoute({ rateLimit: { perSecond: 100, burst: 1 } }));
    w.backpressure.configureRates();
    const bucket = w.owned.bucket;
    assert.ok(bucket !== undefined);
    let flushes = 0;
    const flush = async (): Promise<void> => {
      flushes++;
    };
    const first = await w.backpressure.takeToken(bucket, flush, noWork, () => true);
    const second = await w.backpressure.takeToken(bucket, flush, noWork, () => true);
    assert.deepEqual([first, second, flushes], [true, true, 0], '10 ms away: waited for without a flush');
  });

  test('a token further than a second away flushes what was prepared and gives up (the caller pauses)', async () => {
    const w = world(0n, pollerRoute({ rateLimit: { perSecond: 0.5, burst: 1 } }));
    w.backpressure.configureRates();
    const bucket = w.owned.bucket;
    assert.ok(bucket !== undefined);
    let flushes = 0;
    const flush = async (): Promise<void> => {
      flushes++;
    };
    const first = await w.backpressure.takeToken(bucket, flush, noWork, () => true);
    const second = await w.backpressure.takeToken(bucket, flush, noWork, () => true);
    w.backpressure.pauseForRate(w.consumer, w.owned);
    assert.deepEqual([first, second, flushes], [true, false, 1]);
    assert.deepEqual([...w.owned.paused], ['rate']);
    clearTimeout(w.owned.pauseTimer);
  });
});
