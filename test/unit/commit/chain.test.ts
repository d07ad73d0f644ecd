import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { advanceCommitted, type ChainLink, compactLinks } from '../../../lib/commit/chain.ts';
import { routeLag } from '../../../lib/commit/committer.ts';

/** Completions of records at the given offsets, each record directly after the previous one. */
function contiguous(...offsets: number[]): ChainLink[] {
  return offsets.map((o) => ({ from: BigInt(o), offset: BigInt(o) }));
}

describe('advanceCommitted', () => {
  test('stops at the first missing completion and counts what waits behind it', () => {
    const result = advanceCommitted(0n, contiguous(0, 1, 2, 4, 5));
    assert.equal(result.committed, 3n);
    assert.equal(result.passed, 3);
    assert.equal(result.waitingBehindHole, 2);
  });

  test('filling the hole lets the chain run to the end', () => {
    const result = advanceCommitted(3n, contiguous(3, 4, 5));
    assert.deepEqual(result, { committed: 6n, passed: 3, waitingBehindHole: 0, stale: 0, remaining: [] });
  });

  test('follows `from` across offset gaps (transaction markers, compaction)', () => {
    // Records at 0, 1, then a commit marker at 2, records at 3, 4, marker at 5, compacted away 6..8, record 9.
    const links: ChainLink[] = [
      { from: 0n, offset: 0n },
      { from: 1n, offset: 1n },
      { from: 2n, offset: 3n },
      { from: 4n, offset: 4n },
      { from: 5n, offset: 9n },
    ];
    assert.equal(advanceCommitted(0n, links).committed, 10n);
  });

  test('a gap without a link bridging it is a hole, not a pass', () => {
    const links: ChainLink[] = [
      { from: 0n, offset: 0n },
      { from: 5n, offset: 5n },
    ];
    const result = advanceCommitted(0n, links);
    assert.equal(result.committed, 1n);
    assert.equal(result.waitingBehindHole, 1);
  });

  test('never moves backwards and counts links below the committed offset as stale', () => {
    const result = advanceCommitted(10n, contiguous(3, 4, 5));
    assert.deepEqual(result, { committed: 10n, passed: 0, waitingBehindHole: 0, stale: 3, remaining: [] });
  });

  test('duplicate links of one record are harmless', () => {
    const result = advanceCommitted(0n, [...contiguous(0, 1, 1, 2), ...contiguous(0)]);
    assert.equal(result.committed, 3n);
    assert.equal(result.waitingBehindHole, 0);
  });

  test('works beyond 2^53 without losing precision', () => {
    const base = 2n ** 62n;
    const result = advanceCommitted(base, [
      { from: base, offset: base },
      { from: base + 1n, offset: base + 1n },
    ]);
    assert.equal(result.committed, base + 2n);
  });

  test('rejects a link whose offset lies before its from', () => {
    assert.throws(() => advanceCommitted(0n, [{ from: 5n, offset: 4n }]), /offset 4 before its from 5/);
  });
});

describe('compactLinks: the finished records above a hole as segments', () => {
  test('joins links that follow each other, across gaps bridged by `from`', () => {
    const links: ChainLink[] = [
      { from: 9n, offset: 9n },
      { from: 4n, offset: 4n },
      { from: 5n, offset: 7n },
      { from: 8n, offset: 8n },
      { from: 12n, offset: 12n },
    ];
    assert.deepEqual(compactLinks(links), [
      { from: 4n, offset: 9n },
      { from: 12n, offset: 12n },
    ]);
  });

  test('a segment walks exactly like the links it replaces', () => {
    const links = contiguous(0, 1, 2, 4, 5, 6, 8);
    for (const start of [0n, 3n, 4n, 7n]) {
      const plain = advanceCommitted(start, links);
      const compacted = advanceCommitted(start, compactLinks(links));
      assert.equal(compacted.committed, plain.committed, `from ${start}`);
    }
    assert.deepEqual(advanceCommitted(0n, links).remaining, [
      { from: 4n, offset: 6n },
      { from: 8n, offset: 8n },
    ]);
  });

  test('a link read again inside a segment joins it instead of starting an overlapping one', () => {
    // The state holds 79-87 (records 79..87); the re-read margin brings 86, 87 and 88..94 again.
    const state = { from: 79n, offset: 87n };
    const reread = contiguous(86, 87, 88, 89, 90, 91, 92, 93, 94);
    assert.deepEqual(compactLinks([state, ...reread]), [{ from: 79n, offset: 94n }]);
    assert.equal(advanceCommitted(79n, [state, ...reread]).committed, 95n, 'the walk goes through');
  });

  test('segments that overlap from an older state still walk through', () => {
    const overlapping = [
      { from: 79n, offset: 87n },
      { from: 86n, offset: 94n },
      { from: 95n, offset: 95n },
    ];
    assert.equal(advanceCommitted(79n, overlapping).committed, 96n);
  });

  test('duplicates keep the larger offset', () => {
    assert.deepEqual(compactLinks([...contiguous(3, 3), { from: 3n, offset: 5n }]), [
      { from: 3n, offset: 5n },
    ]);
  });
});

describe('routeLag', () => {
  test('sums the lag of every partition of every topic of the route', () => {
    const partition = (lag: bigint) => ({
      topic: 't',
      partition: 0,
      before: 0n,
      after: 0n,
      logEnd: lag,
      lag,
      waitingBehindHole: 0,
      cleaned: 0,
    });
    assert.equal(routeLag([partition(3n), partition(0n), partition(2n ** 60n)]), 2n ** 60n + 3n);
    assert.equal(routeLag([]), 0n);
  });
});
