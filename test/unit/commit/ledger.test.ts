import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { linksByPartition, mergePartition } from '../../../lib/commit/merge.ts';
import { partitionKey } from '../../../lib/completion/completion.ts';
import {
  decodeRecords,
  encodeRecords,
  entriesPartitionKey,
  entrySortKey,
  type LedgerEntry,
  type LedgerRecord,
  parseEntriesPartitionKey,
} from '../../../lib/completion/entry.ts';
import {
  decodePartitions,
  encodePartitions,
  isFinished,
  type RouteState,
} from '../../../lib/completion/state.ts';

function record(offset: number, from = offset, partition = 0): LedgerRecord {
  return {
    topic: 'orders',
    partition,
    from: BigInt(from),
    offset: BigInt(offset),
    status: 'delivered',
    attempts: 1,
  };
}

function entry(at: number, ...records: LedgerRecord[]): LedgerEntry {
  return { route: 'r', at, records };
}

describe('ledger entries', () => {
  test('records survive encoding, every status and int64 offsets', () => {
    const records: LedgerRecord[] = [
      record(3, 1),
      { ...record(4), status: 'dead-lettered', attempts: 8 },
      { ...record(5), status: 'parked', attempts: 0, partition: 7 },
      { ...record(0), from: 2n ** 63n - 1n, offset: 2n ** 63n - 1n },
    ];
    assert.deepEqual(decodeRecords(encodeRecords(records)), records);
  });

  test('a ten-record batch is one write unit (under 1 KB)', () => {
    const text = encodeRecords(Array.from({ length: 10 }, (_, i) => record(1_000_000_000 + i)));
    assert.ok(Buffer.byteLength(text) < 600, `${Buffer.byteLength(text)} bytes`);
  });

  test('a line that does not parse is an error naming it, never skipped', () => {
    assert.throws(() => decodeRecords('orders\t0\t1\t1\td\t1\norders\t0\tx'), /line 2 is not a record/);
  });

  test('sort keys are in write order; entry keys are told apart from completion keys', () => {
    assert.ok(entrySortKey(999, 'b') < entrySortKey(1000, 'a'));
    assert.equal(parseEntriesPartitionKey(entriesPartitionKey('orders')), 'orders');
    assert.equal(parseEntriesPartitionKey(partitionKey('orders', 'orders', 0)), undefined);
    // The key of releases before the kind tags is no entries key any more.
    assert.equal(parseEntriesPartitionKey('orders#entries'), undefined);
  });
});

describe('route state', () => {
  test('partitions survive encoding', () => {
    const partitions = new Map([
      [
        'orders#0',
        {
          committed: 5n,
          segments: [
            { from: 7n, offset: 9n },
            { from: 12n, offset: 12n },
          ],
        },
      ],
      ['orders#1', { committed: 0n, segments: [], resetAt: 1234 }],
    ]);
    assert.deepEqual(decodePartitions(encodePartitions(partitions)), partitions);
  });

  test('a record is finished below the committed offset or inside a segment, else unknown', () => {
    const state: RouteState = {
      readFrom: 0,
      partitions: new Map([['orders#0', { committed: 5n, segments: [{ from: 7n, offset: 9n }] }]]),
    };
    const at = (offset: number, from = offset, partition = 0) => ({
      topic: 'orders',
      partition,
      from: BigInt(from),
      offset: BigInt(offset),
    });
    assert.equal(isFinished(state, at(4)), true);
    assert.equal(isFinished(state, at(5)), false);
    assert.equal(isFinished(state, at(8)), true);
    assert.equal(isFinished(state, at(10)), false);
    assert.equal(isFinished(state, at(4, 4, 1)), false, 'another partition');
  });
});

describe('merge: entries into the partition state', () => {
  test('entries out of order and twice merge like one set', () => {
    const entries = [entry(3, record(3), record(1)), entry(1, record(0)), entry(2, record(1), record(2))];
    const links = linksByPartition(entries, () => undefined).get('orders#0') ?? [];
    const merged = mergePartition(0n, undefined, links);
    assert.equal(merged.committed, 4n);
    assert.deepEqual(merged.state.segments, []);
  });

  test('finished records above a hole stay in the state as segments until the hole closes', () => {
    const first = mergePartition(
      0n,
      undefined,
      [0, 2, 3].map((o) => ({ from: BigInt(o), offset: BigInt(o) })),
    );
    assert.equal(first.committed, 1n);
    assert.deepEqual(first.state.segments, [{ from: 2n, offset: 3n }]);
    const second = mergePartition(1n, first.state, [{ from: 1n, offset: 1n }]);
    assert.equal(second.committed, 4n);
  });

  test('Kafka ahead of the state (a crash after the Kafka commit): go on from Kafka, drop the stale', () => {
    const state = {
      committed: 2n,
      segments: [
        { from: 4n, offset: 4n },
        { from: 9n, offset: 9n },
      ],
    };
    const merged = mergePartition(6n, state, [{ from: 6n, offset: 6n }]);
    assert.equal(merged.committed, 7n);
    assert.deepEqual(merged.state.segments, [{ from: 9n, offset: 9n }]);
    assert.equal(merged.movedBack, false);
  });

  test('Kafka behind the state (moved back from outside): the state is dropped, never jumped over', () => {
    const state = { committed: 10n, segments: [{ from: 12n, offset: 14n }] };
    const merged = mergePartition(3n, state, [{ from: 3n, offset: 3n }]);
    assert.equal(merged.committed, 4n, 'never past what the links prove');
    assert.deepEqual(merged.state.segments, []);
    assert.equal(merged.movedBack, true);
  });

  test('after a reset, entries written before it are not merged into that partition', () => {
    const entries = [entry(100, record(5)), entry(300, record(6))];
    const links = linksByPartition(entries, (key) => (key === 'orders#0' ? 200 : undefined));
    assert.deepEqual(links.get('orders#0'), [{ from: 6n, offset: 6n }]);
  });
});
