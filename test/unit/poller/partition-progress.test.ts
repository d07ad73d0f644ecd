import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PartitionProgress } from '../../../lib/poller/index.ts';

describe('PartitionProgress', () => {
  test('from chains each forwarded record to the position before it, across offset gaps', () => {
    // Prepare
    const progress = new PartitionProgress('t', 0, 10n);

    // Act: 11 is a transaction marker (never fetched), 13-14 were compacted away
    const froms = [10n, 12n, 15n].map((offset) => progress.forwarded(offset));

    // Assess
    assert.deepEqual(froms, [10n, 11n, 13n]);
    assert.equal(progress.next, 16n);
    assert.equal(progress.inFlight, 3);
  });

  test('a fetch from beyond next is not contiguous; records below next are re-reads', () => {
    const progress = new PartitionProgress('t', 0, 5n);
    assert.equal(progress.fetchIsContiguous(5n), true);
    assert.equal(progress.fetchIsContiguous(0n), true);
    assert.equal(progress.fetchIsContiguous(6n), false);
    assert.equal(progress.isBehind(4n), true);
    assert.equal(progress.isBehind(5n), false);
    assert.throws(() => progress.forwarded(4n), /forwarded behind position 5/);
  });

  test('commits shrink the in-flight window; an older committed offset never reopens it', () => {
    // Prepare
    const progress = new PartitionProgress('t', 1, 0n);
    for (let offset = 0n; offset < 100n; offset++) progress.forwarded(offset);

    // Act
    progress.updateCommitted(40n);
    const afterCommit = progress.inFlight;
    progress.updateCommitted(20n);

    // Assess
    assert.equal(afterCommit, 60);
    assert.equal(progress.inFlight, 60);
    assert.equal(progress.committed, 40n);
    assert.equal(progress.room(50), 0);
    assert.equal(progress.room(100), 40);
  });

  test('memory stays bounded by the window, whatever was forwarded over time', () => {
    const progress = new PartitionProgress('t', 0, 0n);
    for (let offset = 0n; offset < 50_000n; offset++) {
      progress.forwarded(offset);
      if (offset % 100n === 99n) progress.updateCommitted(offset - 9n);
    }
    assert.equal(progress.inFlight, 10);
    assert.equal(progress.next, 50_000n);
  });

  test('filtered records move next but not chain: the next forwarded record covers them (I4)', () => {
    const progress = new PartitionProgress('t', 0, 10n);
    progress.forwarded(10n);
    progress.filtered(13n); // 11-13 filtered out
    const afterFilter = [progress.next, progress.chain];
    const from = progress.forwarded(14n);
    assert.deepEqual(afterFilter, [14n, 11n]);
    assert.equal(from, 11n);
    assert.equal(progress.inFlight, 2, 'filtered records are not in flight');
    assert.throws(() => progress.filtered(12n), /filtered behind position 15/);
  });

  test('a filtered tail may be passed only once every forwarded record is committed', () => {
    const progress = new PartitionProgress('t', 0, 0n);
    progress.forwarded(0n);
    progress.filtered(5n);
    const whileInFlight = progress.filteredTail();
    progress.updateCommitted(1n);
    const committedUpToChain = progress.filteredTail();
    progress.updateCommitted(6n);
    assert.equal(whileInFlight, undefined);
    assert.equal(committedUpToChain, 6n);
    assert.equal(progress.filteredTail(), undefined, 'passed already');
    assert.equal(new PartitionProgress('t', 0, 3n).filteredTail(), undefined, 'nothing filtered');
  });
});
