import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeBatchItem, parseBatchAnswer } from '../../../lib/deliver/batch-body.ts';
import { decodeEnvelope, type Envelope } from '../../../lib/envelope/index.ts';

const ENVELOPE: Envelope = {
  route: 'orders',
  topic: 'orders',
  partition: 0,
  offset: '7',
  from: '7',
  timestamp: '1763884800000',
  key: Buffer.from('k1'),
  headers: [],
  value: { inline: Buffer.from('{"id":1}') },
};
const SENT = new Set(['orders/orders/0/7', 'orders/orders/0/8']);

describe('batched call body and answer', () => {
  test('an item is the wire envelope with its idempotencyKey', () => {
    const item = JSON.parse(encodeBatchItem(ENVELOPE, 'orders/orders/0/7')) as Record<string, unknown>;
    assert.equal(item.idempotencyKey, 'orders/orders/0/7');
    const { idempotencyKey: _, ...envelope } = item;
    assert.deepEqual(decodeEnvelope(JSON.stringify(envelope)), ENVELOPE);
  });

  test('no list, an empty body or a body that is not JSON: every record succeeded', () => {
    for (const text of ['', 'ok', '{}', '{"batchItemFailures":[]}'])
      assert.deepEqual(parseBatchAnswer(text, SENT), new Map());
  });

  test('the listed records failed, with their status when given', () => {
    const text = JSON.stringify({
      batchItemFailures: [
        { itemIdentifier: 'orders/orders/0/8', status: 422 },
        { itemIdentifier: 'orders/orders/0/7' },
      ],
    });
    assert.deepEqual(
      parseBatchAnswer(text, SENT),
      new Map([
        ['orders/orders/0/8', { status: 422 }],
        ['orders/orders/0/7', {}],
      ]),
    );
  });

  test('a list naming another record, or malformed, fails the call (which record failed is unknown)', () => {
    assert.match(String(parseBatchAnswer('{"batchItemFailures":{}}', SENT)), /not an array/);
    assert.match(
      String(parseBatchAnswer('{"batchItemFailures":[{"itemIdentifier":"orders/orders/0/9"}]}', SENT)),
      /\[0\]\.itemIdentifier is not the idempotencyKey of a record of the call/,
    );
    assert.match(
      String(
        parseBatchAnswer('{"batchItemFailures":[{"itemIdentifier":"orders/orders/0/7","status":"x"}]}', SENT),
      ),
      /status is not an HTTP status/,
    );
  });
});
