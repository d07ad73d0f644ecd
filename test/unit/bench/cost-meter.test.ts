// The cost benchmark's billing arithmetic (bench/cost/meter.ts): item sizes as DynamoDB counts
// them, request units, SQS 64 KiB chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { itemSize, readUnits, sqsMessageBytes, sqsRequests, writeUnits } from '../../../bench/cost/meter.ts';

test('item size: names plus values, marshalled or native alike', () => {
  const marshalled = { pk: { S: 'r#t#0' }, sk: { S: '0000000000000000042' }, at: { N: '1700000000000' } };
  const native = { pk: 'r#t#0', sk: '0000000000000000042', at: 1_700_000_000_000 };
  // 2+5 + 2+19 + 2+(13 digits, trailing zeros trimmed: "17" -> 1 byte + 1)
  assert.equal(itemSize(marshalled), 2 + 5 + 2 + 19 + 2 + 2);
  assert.equal(itemSize(native), itemSize(marshalled));
  assert.equal(itemSize({ m: { M: { a: { S: 'x' } } } }), 1 + 3 + 1 + 2);
  assert.equal(itemSize({ l: { L: [{ S: 'ab' }, { BOOL: true }] } }), 1 + 3 + 1 + 2 + 1 + 1);
});

test('request units: 1 KB per WRU, 4 KB per RRU, eventual reads half, at least one unit', () => {
  assert.equal(writeUnits(0), 1);
  assert.equal(writeUnits(1024), 1);
  assert.equal(writeUnits(1025), 2);
  assert.equal(readUnits(0, true), 1);
  assert.equal(readUnits(4097, true), 2);
  assert.equal(readUnits(4097, false), 1);
});

test('SQS: each started 64 KiB of a call is one request; attributes count', () => {
  assert.equal(sqsRequests(0), 1);
  assert.equal(sqsRequests(65_536), 1);
  assert.equal(sqsRequests(65_537), 2);
  const bytes = sqsMessageBytes({
    MessageBody: 'abc',
    MessageAttributes: { k: { DataType: 'String', StringValue: 'vv' } },
  });
  assert.equal(bytes, 3 + 1 + 6 + 2);
});
