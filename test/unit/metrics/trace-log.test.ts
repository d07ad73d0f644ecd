import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordLogFields } from '../../../lib/deliver/observability.ts';
import type { Envelope } from '../../../lib/envelope/index.ts';

function envelopeWith(headers: Envelope['headers']): Envelope {
  return {
    route: 'orders',
    topic: 'orders',
    partition: 0,
    offset: '1',
    from: '1',
    timestamp: '-1',
    key: null,
    headers,
    value: null,
  };
}

describe('recordLogFields', () => {
  test('carries the record id and the trace-id field of a valid traceparent', () => {
    const headers: Envelope['headers'] = [
      ['other', Buffer.from('x')],
      ['TraceParent', Buffer.from('00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01')],
    ];
    assert.deepEqual(recordLogFields('orders/orders/0/1', envelopeWith(headers)), {
      recordId: 'orders/orders/0/1',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
  });

  test('carries the record id alone without a traceparent, or with an invalid one', () => {
    for (const headers of [
      [],
      [['traceparent', null]],
      [['traceparent', Buffer.from('00-00000000000000000000000000000000-00f067aa0ba902b7-01')]],
      [['traceparent', Buffer.from('not a trace context')]],
    ] satisfies Envelope['headers'][]) {
      assert.deepEqual(recordLogFields('r/t/0/1', envelopeWith(headers)), { recordId: 'r/t/0/1' });
    }
  });
});
