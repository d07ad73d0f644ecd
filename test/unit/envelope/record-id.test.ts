import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvelopeError } from '../../../lib/envelope/errors.ts';
import { deduplicationId, parseRecordId, type RecordRef, recordId } from '../../../lib/envelope/record-id.ts';
import { isValidSqsId } from '../../../lib/envelope/sqs-id.ts';
import { randomInt, randomString, seededRandom } from './seeded-random.ts';

const TOPIC_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-';
const ROUTE_CHARS = `${TOPIC_CHARS}/:@!~`;

function throwsEnvelopeError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof EnvelopeError, `expected an EnvelopeError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('recordId', () => {
  test('is route/topic/partition/offset', () => {
    assert.equal(
      recordId({ route: 'orders', topic: 'orders.v1', partition: 3, offset: '1042' }),
      'orders/orders.v1/3/1042',
    );
  });

  test('round-trips through parseRecordId, for routes containing "/" and offsets past 2^53', () => {
    const refs: RecordRef[] = [
      { route: 'r', topic: 't', partition: 0, offset: '0' },
      { route: 'team/orders', topic: 'a.b_c-d', partition: 2_147_483_647, offset: '9223372036854775807' },
      { route: 'x//y', topic: 'T', partition: 12, offset: '9007199254740993' },
    ];
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      refs.push({
        route: randomString(random, ROUTE_CHARS, randomInt(random, 1, 40)),
        topic: `t${randomString(random, TOPIC_CHARS, randomInt(random, 0, 60))}`,
        partition: randomInt(random, 0, 2_147_483_647),
        offset: String(BigInt(randomInt(random, 0, 2 ** 31)) * BigInt(randomInt(random, 1, 2 ** 31))),
      });
    }
    for (const ref of refs) assert.deepEqual(parseRecordId(recordId(ref)), ref, JSON.stringify(ref));
  });

  test('refuses parts that could not be parsed back, naming the part', () => {
    const ok: RecordRef = { route: 'r', topic: 't', partition: 0, offset: '1' };
    throwsEnvelopeError(() => recordId({ ...ok, route: '' }), /route "" must be non-empty visible ASCII/);
    throwsEnvelopeError(() => recordId({ ...ok, route: 'my route' }), /route "my route"/);
    throwsEnvelopeError(() => recordId({ ...ok, topic: 'a/b' }), /topic "a\/b" is not a Kafka topic name/);
    throwsEnvelopeError(() => recordId({ ...ok, topic: '..' }), /topic "\.\."/);
    throwsEnvelopeError(() => recordId({ ...ok, topic: 'x'.repeat(250) }), /is not a Kafka topic name/);
    throwsEnvelopeError(() => recordId({ ...ok, partition: 1.5 }), /partition 1\.5 is not an integer/);
    throwsEnvelopeError(() => recordId({ ...ok, partition: -1 }), /partition -1/);
    throwsEnvelopeError(() => recordId({ ...ok, offset: '007' }), /offset "007" is not a decimal integer/);
    throwsEnvelopeError(
      () => recordId({ ...ok, offset: '9223372036854775808' }),
      /offset "9223372036854775808"/,
    );
  });
});

describe('parseRecordId', () => {
  test('names the part that is wrong', () => {
    throwsEnvelopeError(
      () => parseRecordId('orders/3/17'),
      /must look like route\/topic\/partition\/offset \(found 3 parts\)/,
    );
    throwsEnvelopeError(() => parseRecordId(''), /found 1 part\)/);
    throwsEnvelopeError(() => parseRecordId('r/t/x/1'), /partition "x" is not a decimal integer/);
    throwsEnvelopeError(() => parseRecordId('r/t/01/1'), /partition "01"/);
    throwsEnvelopeError(() => parseRecordId('r/t/-1/1'), /partition "-1"/);
    throwsEnvelopeError(
      () => parseRecordId('r/t/2147483648/1'),
      /partition 2147483648 is not an integer from 0 to 2147483647/,
    );
    throwsEnvelopeError(() => parseRecordId('r/t/0/'), /offset ""/);
    throwsEnvelopeError(() => parseRecordId('r/t/0/1.5'), /offset "1\.5"/);
    throwsEnvelopeError(() => parseRecordId('r/t/0/-1'), /offset "-1"/);
    throwsEnvelopeError(() => parseRecordId('r/t/0/99999999999999999999'), /offset "99999999999999999999"/);
    throwsEnvelopeError(() => parseRecordId('r/t t/0/1'), /topic "t t"/);
    throwsEnvelopeError(() => parseRecordId('/t/0/1'), /route ""/);
  });

  test('quotes the whole id in the message, for the operator who typed it', () => {
    throwsEnvelopeError(
      () => parseRecordId('orders/orders/zero/5'),
      /^record id "orders\/orders\/zero\/5": /,
    );
  });
});

describe('deduplicationId', () => {
  test('is the record id when SQS accepts it', () => {
    const ref = { route: 'orders', topic: 'orders', partition: 1, offset: '99' };
    assert.equal(deduplicationId(ref), 'orders/orders/1/99');
  });

  test('keeps a 128-character record id and hashes a 129-character one', () => {
    const tail = '/t/0/1'; // 6 characters
    const fits = { route: 'r'.repeat(128 - tail.length), topic: 't', partition: 0, offset: '1' };
    assert.equal(recordId(fits).length, 128);
    assert.equal(deduplicationId(fits), recordId(fits));
    const over = { ...fits, route: `${fits.route}r` };
    assert.notEqual(deduplicationId(over), recordId(over));
    assert.equal(deduplicationId(over).length, 128);
  });

  test('hashed ids are valid, stable, keep partition and offset readable, and never look like a record id', () => {
    const random = seededRandom(11);
    const seen = new Map<string, string>();
    for (let i = 0; i < 1000; i++) {
      const ref: RecordRef = {
        route: randomString(random, ROUTE_CHARS, randomInt(random, 1, 200)),
        topic: randomString(random, 'ab', randomInt(random, 1, 249)),
        partition: randomInt(random, 0, 2_147_483_647),
        offset: String(randomInt(random, 0, 2 ** 40)),
      };
      const id = deduplicationId(ref);
      assert.ok(isValidSqsId(id), id);
      assert.equal(deduplicationId({ ...ref }), id, 'stable');
      const plain = recordId(ref);
      if (id !== plain) {
        assert.ok(id.includes(`/${ref.partition}/${ref.offset}~`), id);
        assert.throws(() => parseRecordId(id), EnvelopeError);
      }
      const other = seen.get(id);
      assert.ok(other === undefined || other === plain, `${plain} and ${other} share dedup id ${id}`);
      seen.set(id, plain);
    }
  });

  test('records that differ only past the readable prefix still get different ids', () => {
    const route = 'r'.repeat(300);
    const a = deduplicationId({ route: `${route}a`, topic: 't', partition: 0, offset: '5' });
    const b = deduplicationId({ route: `${route}b`, topic: 't', partition: 0, offset: '5' });
    assert.equal(a.slice(0, 80), b.slice(0, 80));
    assert.notEqual(a, b);
  });
});
