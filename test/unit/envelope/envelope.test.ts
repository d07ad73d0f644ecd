import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  claimCheckProblem,
  decodeEnvelope,
  decodeRecordObject,
  type Envelope,
  encodeEnvelope,
  encodeEnvelopeText,
  encodeRecordObject,
  type KafkaHeader,
  type RecordContent,
  resolveRecord,
} from '../../../lib/envelope/envelope.ts';
import { EnvelopeError } from '../../../lib/envelope/errors.ts';
import { randomBytes, randomInt, randomString, seededRandom } from './seeded-random.ts';

const SHA = createHash('sha256').update('payload').digest('base64');

function sample(overrides: Partial<Envelope> = {}): Envelope {
  return {
    route: 'orders',
    topic: 'orders',
    partition: 3,
    offset: '1042',
    from: '1040',
    timestamp: '1763884800000',
    key: Buffer.from('order-77'),
    headers: [
      ['trace-id', Buffer.from('abc')],
      ['retry', null],
      ['trace-id', Buffer.from('def')],
    ],
    value: { inline: Buffer.from('{"id":77}') },
    ...overrides,
  };
}

/** The wire JSON of the sample, to corrupt field by field. */
function wire(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...JSON.parse(encodeEnvelope(sample())), ...overrides });
}

function rejects(body: string, message: RegExp): void {
  assert.throws(
    () => decodeEnvelope(body),
    (error: unknown) => {
      assert.ok(error instanceof EnvelopeError, `expected an EnvelopeError, got ${String(error)}`);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('encodeEnvelope', () => {
  test('writes the documented shape: readable fields as they are, bytes as base64, headers as pairs', () => {
    assert.deepEqual(JSON.parse(encodeEnvelope(sample())), {
      v: 1,
      route: 'orders',
      topic: 'orders',
      partition: 3,
      offset: '1042',
      from: '1040',
      timestamp: '1763884800000',
      key: 'b3JkZXItNzc=',
      headers: [
        ['trace-id', 'YWJj'],
        ['retry', null],
        ['trace-id', 'ZGVm'],
      ],
      value: { inline: 'eyJpZCI6Nzd9' },
    });
  });

  test('writes a claim check and a tombstone', () => {
    const pointer = { bucket: 'bridge-payloads', key: 'orders/3/1042', size: 2_000_000, sha256: SHA };
    assert.deepEqual(JSON.parse(encodeEnvelope(sample({ value: { s3: pointer } }))).value, { s3: pointer });
    assert.equal(JSON.parse(encodeEnvelope(sample({ value: null }))).value, null);
  });

  test('writes only characters SQS accepts in a body, and keeps every header name on decoding', () => {
    // SQS accepts #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF (so not U+FFFE, U+FFFF).
    const name = 'odd\uffff\ufffe\u0000\n\ud800😀';
    const body = encodeEnvelope(sample({ headers: [[name, Buffer.from('x')]] }));
    for (const char of body) {
      const code = char.codePointAt(0) ?? 0;
      const allowed =
        [0x9, 0xa, 0xd].includes(code) ||
        (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) ||
        code >= 0x10000;
      assert.ok(allowed, `body contains U+${code.toString(16)}`);
    }
    assert.equal(decodeEnvelope(body).headers[0]?.[0], name);
  });

  test('refuses an envelope the deliverer would reject, naming the field', () => {
    const fails = (envelope: Envelope, message: RegExp) =>
      assert.throws(
        () => encodeEnvelope(envelope),
        (error: unknown) => error instanceof EnvelopeError && message.test(error.message),
      );
    fails(sample({ offset: '01' }), /^cannot encode envelope: offset: is not a decimal int64 offset/);
    fails(sample({ from: '2000' }), /from: is after offset/);
    fails(sample({ partition: -2 }), /partition: is not a partition number/);
    fails(sample({ timestamp: '-5' }), /timestamp: is not a timestamp/);
    fails(sample({ topic: 'has space' }), /topic: is not a Kafka topic name/);
    fails(
      sample({ value: { s3: { bucket: 'B', key: 'k', size: 1, sha256: SHA } } }),
      /value\.s3\.bucket: is not an S3 bucket name/,
    );
    fails(
      sample({ value: { s3: { bucket: 'b-1', key: 'k', size: 1.5, sha256: 'abc' } } }),
      /value\.s3\.size: .*value\.s3\.sha256: /,
    );
  });

  test('does not copy extra fields of a pointer object into the strict wire format', () => {
    const pointer = { bucket: 'bridge-payloads', key: 'k', size: 1, sha256: SHA, etag: 'x' };
    const decoded = decodeEnvelope(encodeEnvelope(sample({ value: { s3: pointer } })));
    assert.deepEqual(decoded.value, { s3: { bucket: 'bridge-payloads', key: 'k', size: 1, sha256: SHA } });
  });
});

describe('encodeEnvelopeText', () => {
  test("is encodeEnvelope's body, JSON.stringify of it and its UTF-8 length, whatever the fields hold: control characters, lone surrogates, quotes, backslashes", () => {
    const random = seededRandom(2027);
    const odd = 'a"\\\u0000\u001f\n\ud800\udc00😀\u2028\ufffe\uffffé';
    for (let i = 0; i < 300; i++) {
      const headers: KafkaHeader[] = Array.from({ length: randomInt(random, 0, 4) }, () => [
        randomString(random, odd, randomInt(random, 0, 12)),
        random() < 0.2 ? null : randomBytes(random, randomInt(random, 0, 40)),
      ]);
      const pointer = {
        bucket: 'bridge-payloads',
        key: `k/${randomString(random, odd, randomInt(random, 0, 12))}`,
        size: 7,
        sha256: SHA,
      };
      const kind = randomInt(random, 0, 3);
      const envelope: Envelope = sample({
        headers: kind === 3 ? [] : headers,
        key: kind === 3 || random() < 0.2 ? null : randomBytes(random, randomInt(random, 0, 30)),
        value:
          kind === 0
            ? { inline: randomBytes(random, randomInt(random, 0, 2000)) }
            : kind === 1
              ? null
              : kind === 2
                ? { s3: pointer }
                : { record: pointer },
        ...(random() < 0.3
          ? { deadLetter: { reason: 'deserialization-error', detail: randomString(random, odd, 20) } }
          : {}),
      });
      const body = encodeEnvelope(envelope);
      const text = encodeEnvelopeText(envelope);
      assert.equal(text.body, body);
      assert.equal(text.bytes, Buffer.byteLength(body));
      assert.equal(text.bodyJson, JSON.stringify(body), `for ${JSON.stringify(body)}`);
    }
  });
});

describe('decodeEnvelope', () => {
  test('reads back what encodeEnvelope wrote', () => {
    const envelopes = [
      sample(),
      sample({ key: null, headers: [], value: null }),
      sample({ key: Buffer.alloc(0), headers: [['', Buffer.alloc(0)]], value: { inline: Buffer.alloc(0) } }),
      sample({ value: { s3: { bucket: 'bridge-payloads', key: 'orders/3/1042 ü', size: 7, sha256: SHA } } }),
      sample({ offset: '9223372036854775807', from: '9223372036854775807', timestamp: '-1' }),
      sample({ route: 'team/orders', partition: 2_147_483_647, offset: '0', from: '0' }),
    ];
    for (const envelope of envelopes) assert.deepEqual(decodeEnvelope(encodeEnvelope(envelope)), envelope);
  });

  test('round-trips random binary keys, headers and values byte for byte, invalid UTF-8 and empty included', () => {
    const random = seededRandom(2026);
    for (let i = 0; i < 300; i++) {
      const headers: KafkaHeader[] = [];
      const headerCount = randomInt(random, 0, 6);
      for (let h = 0; h < headerCount; h++) {
        const name =
          h > 0 && random() < 0.3
            ? (headers[0]?.[0] ?? 'x')
            : randomString(random, 'ab-_.é😀\u0000"\\', randomInt(random, 0, 12));
        headers.push([name, random() < 0.15 ? null : randomBytes(random, randomInt(random, 0, 64))]);
      }
      const offset = BigInt(randomInt(random, 0, 2 ** 40));
      const envelope: Envelope = {
        route: 'r',
        topic: 'topic.x',
        partition: randomInt(random, 0, 100),
        offset: offset.toString(),
        from: (offset - BigInt(randomInt(random, 0, Number(offset < 10n ? offset : 10n)))).toString(),
        timestamp: String(randomInt(random, 0, 2 ** 45)),
        key: random() < 0.2 ? null : randomBytes(random, randomInt(random, 0, 40)),
        headers,
        value: random() < 0.1 ? null : { inline: randomBytes(random, randomInt(random, 0, 2000)) },
      };
      const decoded = decodeEnvelope(encodeEnvelope(envelope));
      assert.deepEqual(decoded, envelope);
      // deepEqual compares Buffers by content; make the byte-for-byte claim explicit for the value.
      if (
        envelope.value !== null &&
        'inline' in envelope.value &&
        decoded.value !== null &&
        'inline' in decoded.value
      ) {
        assert.ok(envelope.value.inline.equals(decoded.value.inline));
      }
    }
  });

  test('keeps invalid UTF-8 exactly (a text encoding would replace it)', () => {
    const bytes = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc, 0xff, 0x00]);
    const decoded = decodeEnvelope(
      encodeEnvelope(sample({ key: bytes, headers: [['h', bytes]], value: { inline: bytes } })),
    );
    assert.ok(decoded.key?.equals(bytes));
    assert.ok(decoded.headers[0]?.[1]?.equals(bytes));
    assert.deepEqual(decoded.value, { inline: bytes });
  });

  test('rejects a body that is not a JSON object', () => {
    rejects('', /^envelope is not JSON: /);
    rejects('{"v":1,', /^envelope is not JSON: /);
    rejects('[1]', /^envelope is not a JSON object \(got an array\)$/);
    rejects('null', /\(got null\)$/);
    rejects('"text"', /\(got a string\)$/);
  });

  test('rejects a missing or unknown version before looking at the rest', () => {
    rejects('{}', /^envelope has no version \(field v\)$/);
    rejects(
      wire({ v: 2, route: 7 }),
      /^envelope version 2 is not supported \(this reader knows version 1\)$/,
    );
    rejects(wire({ v: '1' }), /^envelope version "1" is not supported/);
  });

  test('names each missing, unknown or invalid field by its path', () => {
    rejects(wire({ route: undefined }), /^envelope is invalid: route: is missing$/);
    rejects(wire({ offset: 1042 }), /^envelope is invalid: offset: .*expected string, received number/);
    rejects(wire({ offset: '1042.0' }), /^envelope is invalid: offset: is not a decimal int64 offset/);
    rejects(wire({ from: '1043' }), /^envelope is invalid: from: is after offset/);
    rejects(wire({ partition: -1 }), /^envelope is invalid: partition: is not a partition number/);
    rejects(wire({ topic: 'a/b' }), /^envelope is invalid: topic: is not a Kafka topic name/);
    rejects(wire({ timestamp: 1763884800000 }), /^envelope is invalid: timestamp: /);
    rejects(wire({ extra: true }), /^envelope is invalid: has unknown field extra$/);
    rejects(wire({ key: 'b3JkZXItNzc' }), /^envelope is invalid: key: is not canonical base64/);
    rejects(wire({ key: 'YR==' }), /key: is not canonical base64/); // non-zero trailing bits
    rejects(wire({ key: 'Y Q==' }), /key: is not canonical base64/);
    rejects(wire({ key: 'b3Jk_Xi-' }), /key: is not canonical base64/); // base64url alphabet
    rejects(
      wire({
        headers: [
          ['a', 'YWJj'],
          ['b', '!!'],
        ],
      }),
      /^envelope is invalid: headers\[1\]\[1\]: is not canonical base64/,
    );
    rejects(wire({ headers: [['a']] }), /^envelope is invalid: headers\[0\]: /);
    rejects(wire({ headers: { a: 'YWJj' } }), /^envelope is invalid: headers: /);
    rejects(wire({ value: 'eyJpZCI6Nzd9' }), /^envelope is invalid: value: /);
    rejects(wire({ value: {} }), /^envelope is invalid: value: must have exactly one of inline, s3, record$/);
    rejects(
      wire({ value: { inline: '', s3: { bucket: 'bkt', key: 'k', size: 0, sha256: SHA } } }),
      /value: must have exactly one of inline, s3/,
    );
    rejects(
      wire({ value: { inline: 'eyJp', extra: 1 } }),
      /^envelope is invalid: value: has unknown field extra$/,
    );
    rejects(
      wire({ value: { s3: { bucket: 'bkt', key: 'k', size: -1, sha256: SHA } } }),
      /^envelope is invalid: value\.s3\.size: is not a byte count$/,
    );
    rejects(wire({ value: { s3: { bucket: 'bkt', key: 'k', size: 1 } } }), /value\.s3\.sha256: is missing/);
  });

  test('lists at most three problems and counts the rest', () => {
    rejects(
      wire({ route: 1, topic: 2, partition: 'x', offset: null, from: null }),
      /^envelope is invalid: route: .*; topic: .*; partition: .* \(and 2 more\)$/,
    );
  });
});

describe('record claim checks', () => {
  const content: RecordContent = {
    key: Buffer.from([0xff, 0x00, 0x41]),
    headers: [
      ['big', Buffer.alloc(900 * 1024, 7)],
      ['none', null],
      ['big', Buffer.from('again')],
    ],
    value: Buffer.from('{"id":77}'),
  };
  const object = encodeRecordObject(content);
  const pointer = {
    bucket: 'payloads',
    key: 'payload/orders/orders/3/1042.record',
    size: object.byteLength,
    sha256: createHash('sha256').update(object).digest('base64'),
  };
  const claimed = sample({ key: null, headers: [], value: { record: pointer } });

  test('the envelope round-trips with key null, headers [] and the pointer', () => {
    const body = encodeEnvelope(claimed);
    assert.deepEqual(JSON.parse(body).value, { record: pointer });
    assert.ok(Buffer.byteLength(body) < 1024, 'the envelope is small whatever the record');
    assert.deepEqual(decodeEnvelope(body), claimed);
  });

  test('the record object round-trips every byte, tombstones and null keys included', () => {
    assert.deepEqual(decodeRecordObject(object, 'test'), content);
    const tombstone: RecordContent = { key: null, headers: [['h', Buffer.from([0xfe])]], value: null };
    assert.deepEqual(decodeRecordObject(encodeRecordObject(tombstone), 'test'), tombstone);
  });

  test('resolveRecord gives the record as it was', () => {
    const resolved = resolveRecord(
      decodeEnvelope(encodeEnvelope(claimed)),
      decodeRecordObject(object, 'test'),
    );
    assert.deepEqual(resolved, {
      ...claimed,
      key: content.key,
      headers: content.headers,
      value: { inline: content.value },
    });
  });

  test('claimCheckProblem checks size and SHA-256', () => {
    assert.equal(claimCheckProblem(object, pointer), undefined);
    assert.match(
      claimCheckProblem(object.subarray(1), pointer) ?? '',
      /is \d+ bytes, the envelope says \d+$/,
    );
    const changed = Buffer.from(object);
    changed.writeUInt8(changed.readUInt8(changed.length - 3) ^ 1, changed.length - 3);
    assert.match(claimCheckProblem(changed, pointer) ?? '', /has SHA-256 .*, the envelope says/);
  });

  test('old envelopes (inline and value claim checks) still decode as before', () => {
    const inline = sample();
    assert.deepEqual(decodeEnvelope(encodeEnvelope(inline)), inline);
    const s3 = sample({ value: { s3: { bucket: 'payloads', key: 'k', size: 5, sha256: SHA } } });
    assert.deepEqual(decodeEnvelope(encodeEnvelope(s3)), s3);
  });

  test('a bad pointer, a second variant or a key beside the pointer is rejected', () => {
    const body = JSON.parse(encodeEnvelope(claimed));
    const withValue = (value: unknown, extra: Record<string, unknown> = {}): string =>
      JSON.stringify({ ...body, value, ...extra });
    rejects(
      withValue({ record: { ...pointer, sha256: 'abc' } }),
      /^envelope is invalid: value\.record\.sha256: is not a base64 SHA-256$/,
    );
    rejects(withValue({ record: { ...pointer, size: -1 } }), /value\.record\.size: is not a byte count/);
    rejects(withValue({ record: { ...pointer, extra: 1 } }), /value\.record: has unknown field extra/);
    rejects(
      withValue({ record: pointer, s3: pointer }),
      /value: must have exactly one of inline, s3, record/,
    );
    rejects(
      withValue({ record: pointer }, { key: 'YQ==' }),
      /key: must be null with headers \[\] when the value is a record claim check/,
    );
    rejects(
      withValue({ record: pointer }, { headers: [['a', null]] }),
      /key: must be null with headers \[\]/,
    );
    assert.throws(
      () => encodeEnvelope({ ...claimed, key: Buffer.from('a') }),
      /cannot encode envelope: key: must be null with headers \[\]/,
    );
  });

  test('a record object that is not one is rejected with the reason', () => {
    assert.throws(
      () => decodeRecordObject(Buffer.from('{'), 's3://b/k'),
      /record claim check s3:\/\/b\/k is not JSON/,
    );
    assert.throws(
      () => decodeRecordObject(Buffer.from('{"v":2,"key":null,"headers":[],"value":null}'), 's3://b/k'),
      (error: unknown) =>
        error instanceof EnvelopeError &&
        /^record claim check s3:\/\/b\/k is invalid: v:/.test(error.message),
    );
    assert.throws(
      () => decodeRecordObject(Buffer.from('{"v":1,"key":"YQ","headers":[],"value":null}'), 's3://b/k'),
      /key: is not canonical base64/,
    );
  });
});
