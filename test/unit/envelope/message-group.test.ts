import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvelopeError } from '../../../lib/envelope/errors.ts';
import {
  type MessageGroupInput,
  messageGroupId,
  type Ordering,
} from '../../../lib/envelope/message-group.ts';
import { isValidSqsId } from '../../../lib/envelope/sqs-id.ts';
import { randomBytes, randomInt, randomString, seededRandom } from './seeded-random.ts';

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const ALLOWED = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789${PUNCTUATION}`;
const HASHED = /^h:[A-Za-z0-9_-]{43}$/;

function byKey(key: string | Buffer | null, partition = 0): string {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return messageGroupId({ key: bytes, partition, offset: '0', ordering: 'key' });
}

describe("messageGroupId, ordering 'key'", () => {
  test('uses a key of printable ASCII as it is, punctuation included', () => {
    assert.equal(byKey('order-77'), 'order-77');
    assert.equal(byKey(PUNCTUATION), PUNCTUATION);
    assert.equal(byKey('{"tenant":"a","id":7}'), '{"tenant":"a","id":7}');
    assert.equal(byKey('x'), 'x');
  });

  test('uses a 128-character key and hashes a 129-character one', () => {
    assert.equal(byKey('k'.repeat(128)), 'k'.repeat(128));
    assert.match(byKey('k'.repeat(129)), HASHED);
    assert.match(byKey('k'.repeat(100_000)), HASHED);
  });

  test('hashes keys SQS would refuse: spaces, control characters, non-ASCII text, empty', () => {
    for (const key of ['order 77', 'tab\there', 'line\n', 'café', '注文', 'del\x7f', '']) {
      assert.match(byKey(key), HASHED, JSON.stringify(key));
    }
  });

  test('hashes binary keys over their bytes, not over a lossy decoding', () => {
    // Both are invalid UTF-8 and decode to the same U+FFFD; they must not share a group for that.
    const a = byKey(Buffer.from([0xff]));
    const b = byKey(Buffer.from([0xfe]));
    assert.match(a, HASHED);
    assert.match(b, HASHED);
    assert.notEqual(a, b);
    assert.notEqual(byKey(Buffer.from([0x00, 0x01])), byKey(Buffer.from([0x00, 0x02])));
  });

  test('a key that is a view into a larger buffer is read within its bounds', () => {
    const pool = Buffer.from('xxorder-77yy');
    assert.equal(byKey(pool.subarray(2, 10)), 'order-77');
    const binaryPool = Buffer.from([1, 2, 0xff, 0xfe, 3]);
    assert.equal(byKey(binaryPool.subarray(2, 4)), byKey(Buffer.from([0xff, 0xfe])));
  });

  test('a null key orders by partition; an empty key is a key like any other', () => {
    assert.equal(byKey(null, 4), 'p4');
    assert.notEqual(byKey(Buffer.alloc(0), 4), 'p4');
    assert.equal(byKey(Buffer.alloc(0), 4), byKey(Buffer.alloc(0), 9), 'a key, not a partition, decides');
  });

  test('keys spelled like derived ids are hashed, so they never share a group with one by accident', () => {
    assert.notEqual(byKey('p3'), 'p3');
    assert.notEqual(
      byKey('p3', 3),
      messageGroupId({ key: null, partition: 3, offset: '0', ordering: 'key' }),
    );
    assert.notEqual(byKey('n0-5'), 'n0-5');
    const lookalike = byKey('h:abc');
    assert.match(lookalike, HASHED);
    assert.notEqual(lookalike, 'h:abc');
    // A hashed key's id used as a key is hashed again rather than colliding with that key.
    const hashed = byKey('order 77');
    assert.notEqual(byKey(hashed), hashed);
  });

  test('keys that only resemble the reserved forms stay readable', () => {
    for (const key of ['p', 'price', 'p3x', 'p-3', 'n', 'n0', 'n0-', 'h', 'hello', 'h-1', 'H:abc']) {
      assert.equal(byKey(key), key);
    }
  });

  test('is always a valid SQS group id, and deterministic, for random keys of every kind', () => {
    const random = seededRandom(42);
    const kinds: Array<() => Buffer | null> = [
      () => randomBytes(random, randomInt(random, 0, 300)),
      () => Buffer.from(randomString(random, ALLOWED, randomInt(random, 1, 200)), 'latin1'),
      () => Buffer.from(randomString(random, `${ALLOWED} `, randomInt(random, 1, 140)), 'latin1'),
      () => Buffer.from(randomString(random, 'p0123456789-nh:', randomInt(random, 1, 8)), 'latin1'),
      () => Buffer.from(randomString(random, 'aé注😀 ', randomInt(random, 1, 60)), 'utf8'),
      () => null,
    ];
    for (let i = 0; i < 6000; i++) {
      const key = kinds[i % kinds.length]?.() ?? null;
      const input: MessageGroupInput = {
        key,
        partition: randomInt(random, 0, 2_147_483_647),
        offset: String(randomInt(random, 0, 2 ** 50)),
        ordering: (['key', 'partition', 'none'] as const)[randomInt(random, 0, 2)] as Ordering,
      };
      const id = messageGroupId(input);
      assert.ok(isValidSqsId(id), `${JSON.stringify(id)} from ${key?.toString('hex')}`);
      assert.equal(
        messageGroupId({ ...input, key: key === null ? null : Buffer.from(key) }),
        id,
        'deterministic',
      );
    }
  });
});

describe("messageGroupId, ordering 'partition' and 'none'", () => {
  test("'partition' puts every record of a partition in one group, whatever its key", () => {
    for (const key of [null, Buffer.from('order-77'), Buffer.from([0xff])]) {
      assert.equal(messageGroupId({ key, partition: 7, offset: '123', ordering: 'partition' }), 'p7');
    }
  });

  test("'none' spreads consecutive records over 1024 groups per partition, the same on a resend", () => {
    const groups = new Set<string>();
    for (let offset = 5000; offset < 5000 + 1024; offset++) {
      const input = {
        key: Buffer.from('same-key'),
        partition: 2,
        offset: String(offset),
        ordering: 'none' as const,
      };
      const id = messageGroupId(input);
      assert.equal(messageGroupId(input), id);
      assert.match(id, /^n2-\d{1,4}$/);
      groups.add(id);
    }
    assert.equal(groups.size, 1024);
    assert.equal(
      messageGroupId({ key: null, partition: 0, offset: '9223372036854775807', ordering: 'none' }),
      'n0-1023',
    );
  });

  test('rejects a partition or offset that is not a Kafka one', () => {
    assert.throws(
      () => messageGroupId({ key: null, partition: -1, offset: '0', ordering: 'key' }),
      EnvelopeError,
    );
    assert.throws(
      () => messageGroupId({ key: null, partition: 0.5, offset: '0', ordering: 'partition' }),
      EnvelopeError,
    );
    assert.throws(
      () => messageGroupId({ key: null, partition: 0, offset: '1e3', ordering: 'none' }),
      /offset "1e3" is not a canonical decimal int64/,
    );
  });
});
