import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Envelope, encodeEnvelope } from '../../../lib/envelope/envelope.ts';
import { EnvelopeError } from '../../../lib/envelope/errors.ts';
import {
  assertFitsSqs,
  base64Length,
  envelopeSize,
  inlineOverhead,
  inlineValueFits,
  messageAttributesSize,
  placement,
  SQS_MAX_MESSAGE_BYTES,
  valuePlacement,
} from '../../../lib/envelope/size.ts';
import { randomBytes, randomInt, seededRandom } from './seeded-random.ts';

const META: Omit<Envelope, 'value'> = {
  route: 'orders',
  topic: 'orders',
  partition: 3,
  offset: '1042',
  from: '1040',
  timestamp: '1763884800000',
  key: Buffer.from([0xff, 0x00, 0x41]),
  // A multi-byte header name: sizes are UTF-8 bytes, not characters.
  headers: [['trace-ü-😀', Buffer.from('abc')]],
};

describe('sizes', () => {
  test('SQS allows 1 MiB', () => {
    assert.equal(SQS_MAX_MESSAGE_BYTES, 1024 * 1024);
  });

  test('base64Length is the length Node produces', () => {
    for (let n = 0; n < 200; n++)
      assert.equal(base64Length(n), Buffer.alloc(n).toString('base64').length, `n=${n}`);
  });

  test('envelopeSize counts UTF-8 bytes of the body', () => {
    const envelope: Envelope = { ...META, value: null };
    const body = encodeEnvelope(envelope);
    assert.equal(envelopeSize(envelope), Buffer.byteLength(body));
    assert.ok(envelopeSize(envelope) > body.length, 'the header name has multi-byte characters');
  });

  test('inlineOverhead plus the value in base64 is exactly the body size', () => {
    const random = seededRandom(3);
    for (const n of [
      0,
      1,
      2,
      3,
      4,
      5,
      1000,
      ...Array.from({ length: 30 }, () => randomInt(random, 0, 100_000)),
    ]) {
      const value = randomBytes(random, n);
      assert.equal(
        inlineOverhead(META) + base64Length(n),
        envelopeSize({ ...META, value: { inline: value } }),
        `n=${n}`,
      );
      assert.equal(inlineOverhead(META, 57), inlineOverhead(META) + 57);
    }
  });

  test('messageAttributesSize counts names, data types and values', () => {
    assert.equal(messageAttributesSize({}), 0);
    assert.equal(messageAttributesSize({ a: { DataType: 'String', StringValue: 'xyz' } }), 1 + 6 + 3);
    assert.equal(
      messageAttributesSize({
        né: { DataType: 'String', StringValue: 'ü' },
        bin: { DataType: 'Binary', BinaryValue: new Uint8Array(10) },
      }),
      3 + 6 + 2 + (3 + 6 + 10),
    );
  });
});

describe('valuePlacement (claim check or inline)', () => {
  /** The largest value that still travels inline with this metadata and these attributes. */
  function largestInline(attributesBytes: number): number {
    const overhead = inlineOverhead(META, attributesBytes);
    let n = Math.floor(((SQS_MAX_MESSAGE_BYTES - overhead) / 4) * 3);
    while (!inlineValueFits(n, overhead)) n--;
    while (inlineValueFits(n + 1, overhead)) n++;
    return n;
  }

  for (const attributesBytes of [0, 300]) {
    test(`keeps a value inline exactly while the whole message fits (attributes: ${attributesBytes} bytes)`, () => {
      const n = largestInline(attributesBytes);
      const fits = Buffer.alloc(n, 7);
      const over = Buffer.alloc(n + 1, 7);
      assert.equal(valuePlacement(META, fits, attributesBytes), 'inline');
      assert.ok(
        envelopeSize({ ...META, value: { inline: fits } }) + attributesBytes <= SQS_MAX_MESSAGE_BYTES,
      );
      assert.equal(valuePlacement(META, over, attributesBytes), 's3');
      assert.ok(envelopeSize({ ...META, value: { inline: over } }) + attributesBytes > SQS_MAX_MESSAGE_BYTES);
    });
  }

  test('attributes push a borderline value to S3', () => {
    const n = largestInline(0);
    assert.equal(valuePlacement(META, Buffer.alloc(n), 0), 'inline');
    assert.equal(valuePlacement(META, Buffer.alloc(n), 100), 's3');
  });

  test('a value far below the limit is inline, one at the limit is not (base64 grows it by a third)', () => {
    assert.equal(valuePlacement(META, Buffer.alloc(700_000), 0), 'inline');
    assert.equal(valuePlacement(META, Buffer.alloc(800_000), 0), 's3');
  });

  test('a tombstone is inline', () => {
    assert.equal(valuePlacement(META, null), 'inline');
  });
});

describe('assertFitsSqs', () => {
  test('passes a message with a claim check', () => {
    const sha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
    assertFitsSqs({ ...META, value: { s3: { bucket: 'bkt', key: 'k', size: 5_000_000, sha256 } } });
  });

  test('names the sizes when key and headers alone are too large', () => {
    const envelope: Envelope = { ...META, headers: [['big', Buffer.alloc(800_000)]], value: null };
    assert.throws(
      () => assertFitsSqs(envelope, 10),
      (error: unknown) =>
        error instanceof EnvelopeError &&
        /^message of orders\/orders\/3\/1042 is \d+ bytes, over the SQS limit of 1048576 \(key 3 bytes, headers 800003 bytes, attributes 10 bytes, before base64\)$/.test(
          error.message,
        ),
    );
  });
});

describe('placement (the poller decision)', () => {
  const pointer = {
    bucket: 'payloads',
    key: 'payload/orders/orders/3/1042',
    size: 1,
    sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
  };

  test('inline when everything fits, as valuePlacement', () => {
    assert.equal(placement(META, Buffer.alloc(1000), pointer), 'inline');
    assert.equal(placement(META, null, pointer), 'inline');
  });

  test('s3 when only the value is too large', () => {
    assert.equal(placement(META, Buffer.alloc(800_000), pointer), 's3');
  });

  test('record when key and headers alone leave no room, with or without a value', () => {
    const big: Omit<Envelope, 'value'> = { ...META, headers: [['big', Buffer.alloc(900 * 1024)]] };
    assert.equal(placement(big, Buffer.alloc(10), pointer), 'record');
    assert.equal(placement(big, null, pointer), 'record');
    const bigKey: Omit<Envelope, 'value'> = { ...META, key: Buffer.alloc(800_000) };
    assert.equal(placement(bigKey, Buffer.alloc(300_000), pointer), 'record');
  });

  test('the boundary: s3 exactly while the envelope with the pointer fits', () => {
    const withPointer = (headerBytes: number): number =>
      envelopeSize({ ...META, headers: [['h', Buffer.alloc(headerBytes)]], value: { s3: pointer } });
    // base64 grows in steps of 4 per 3 bytes: find the largest header that still fits.
    let n = Math.floor(((SQS_MAX_MESSAGE_BYTES - withPointer(0)) * 3) / 4) + 3;
    while (withPointer(n) > SQS_MAX_MESSAGE_BYTES) n--;
    const head = (bytes: number): Omit<Envelope, 'value'> => ({
      ...META,
      headers: [['h', Buffer.alloc(bytes)]],
    });
    assert.equal(placement(head(n), Buffer.alloc(10_000), pointer), 's3');
    assert.equal(placement(head(n + 3), Buffer.alloc(10_000), pointer), 'record');
    assert.equal(placement(head(n), Buffer.alloc(10_000), pointer, 10), 'record', 'attributes count too');
  });
});
