// What the invariant checker reads off the bridge's own calls (lib/invariants/recorded.ts) and
// off the endpoint's requests (lib/invariants/values.ts): plain inputs, no AWS.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { ObservedCall } from '../../../lib/aws/call-recorder.ts';
import { encodeRecords } from '../../../lib/completion/entry.ts';
import { type Envelope, encodeEnvelope } from '../../../lib/envelope/index.ts';
import { deadLetterSendOf, finishesOf } from '../../../lib/invariants/recorded.ts';
import { EMPTY_DIGEST, requestValueDigest, valueDigest } from '../../../lib/invariants/values.ts';

const call = (operation: string, input: Record<string, unknown>): ObservedCall => ({
  clientName: 'DynamoDBClient',
  operation,
  input,
  startedAt: 1_000,
  endedAt: 1_020,
});

describe('completion writes', () => {
  test('a ledger entry finishes each of its records, at the time its write was issued', () => {
    const records = encodeRecords([
      { topic: 't', partition: 0, from: 4n, offset: 5n, status: 'delivered', attempts: 1 },
      { topic: 't', partition: 1, from: 9n, offset: 9n, status: 'dead-lettered', attempts: 3 },
    ]);
    // Marshalled, as the middleware sees it after the document client.
    const finishes = finishesOf(
      call('PutItem', { Item: { pk: { S: 'r#entries' }, records: { S: records } } }),
      'r',
    );
    assert.deepEqual(finishes, [
      { recordId: 'r/t/0/5', at: 1_000, status: 'delivered' },
      { recordId: 'r/t/1/9', at: 1_000, status: 'dead-lettered' },
    ]);
  });

  test('a per-record completion finishes its record; other routes, items and calls finish nothing', () => {
    const item = { route: 'r', topic: 't', partition: 2, from: '7', offset: '8', status: 'parked' };
    assert.deepEqual(finishesOf(call('PutItem', { Item: item }), 'r'), [
      { recordId: 'r/t/2/8', at: 1_000, status: 'parked' },
    ]);
    assert.deepEqual(finishesOf(call('PutItem', { Item: item }), 'other'), []);
    assert.deepEqual(finishesOf(call('PutItem', { Item: { pk: 'lease#r', owner: 'x' } }), 'r'), []);
    assert.deepEqual(finishesOf(call('UpdateItem', { Item: item }), 'r'), []);
  });
});

test('a DLQ send is the record id of a SendMessage to that queue', () => {
  const send = (url: string) =>
    call('SendMessage', {
      QueueUrl: url,
      MessageAttributes: { 'bridge-record-id': { DataType: 'String', StringValue: 'r/t/0/5' } },
    });
  assert.equal(deadLetterSendOf(send('http://sqs/r-dlq.fifo'), 'http://sqs/r-dlq.fifo'), 'r/t/0/5');
  assert.equal(deadLetterSendOf(send('http://sqs/r.fifo'), 'http://sqs/r-dlq.fifo'), undefined);
});

describe('the value a request carried', () => {
  const envelope: Envelope = {
    route: 'r',
    topic: 't',
    partition: 0,
    offset: '5',
    from: '5',
    timestamp: '-1',
    key: Buffer.from('k'),
    headers: [],
    value: { inline: Buffer.from([0xff, 0x00, 0x41]) },
  };

  test("an envelope's inline value, every byte; null for a tombstone", () => {
    assert.equal(
      requestValueDigest(Buffer.from(encodeEnvelope(envelope))),
      valueDigest(Buffer.from([0xff, 0x00, 0x41])),
    );
    assert.notEqual(
      requestValueDigest(Buffer.from(encodeEnvelope(envelope))),
      valueDigest(Buffer.from([0xff, 0x00, 0x42])),
    );
    assert.equal(requestValueDigest(Buffer.from(encodeEnvelope({ ...envelope, value: null }))), null);
  });

  test('a claim check the deliverer did not resolve matches no value', () => {
    const sha256 = createHash('sha256').update('abc').digest('base64');
    const pointer = { bucket: 'payload-bucket', key: 'payloads/r/x', size: 3, sha256 };
    const digest = requestValueDigest(Buffer.from(encodeEnvelope({ ...envelope, value: { s3: pointer } })));
    assert.match(digest ?? '', /^unresolved claim check/);
  });

  test('a raw body is the value itself', () => {
    assert.equal(requestValueDigest(Buffer.from('plain bytes')), valueDigest(Buffer.from('plain bytes')));
    assert.equal(requestValueDigest(Buffer.alloc(0)), EMPTY_DIGEST);
  });
});
