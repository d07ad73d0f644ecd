import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { traceparentOf } from '../../../lib/deliver/http-target.ts';
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

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparentOf', () => {
  test('passes on a valid W3C traceparent header, whatever its name case', () => {
    assert.equal(traceparentOf(envelopeWith([['TraceParent', Buffer.from(VALID)]])), VALID);
  });

  test('ignores absent, null, malformed and all-zero trace contexts', () => {
    assert.equal(traceparentOf(envelopeWith([])), undefined);
    assert.equal(traceparentOf(envelopeWith([['traceparent', null]])), undefined);
    assert.equal(traceparentOf(envelopeWith([['traceparent', Buffer.from('00-abc-def-01')]])), undefined);
    const zeros = '00-00000000000000000000000000000000-00f067aa0ba902b7-01';
    assert.equal(traceparentOf(envelopeWith([['traceparent', Buffer.from(zeros)]])), undefined);
  });

  test('takes the first valid one when the header repeats', () => {
    const second = '00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-01';
    const headers: Envelope['headers'] = [
      ['traceparent', Buffer.from('garbage')],
      ['traceparent', Buffer.from(VALID)],
      ['traceparent', Buffer.from(second)],
    ];
    assert.equal(traceparentOf(envelopeWith(headers)), VALID);
  });
});
