import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { compileSchema } from '../../../lib/decode/formats.ts';
import { DeserializationError } from '../../../lib/decode/index.ts';
import { confluentFrame, confluentMessageIndexes, glueFrame } from '../../../lib/decode/wire.ts';
import { PROTO_ORDER_SCHEMA, protoType } from '../../support/schemas.ts';

/* The wire formats byte by byte (lib/decode/wire.ts), and the Protobuf type each framing picks. */

describe('Confluent framing', () => {
  test('magic byte 0, a big-endian schema id, the payload', () => {
    const frame = confluentFrame(Buffer.from([0, 0, 0, 1, 2, 0xaa, 0xbb]));
    assert.equal(frame.schemaId, 258);
    assert.deepEqual([...frame.payload], [0xaa, 0xbb]);
  });

  test('another first byte or too few bytes is a DeserializationError naming what it got', () => {
    assert.throws(() => confluentFrame(Buffer.from('{"a":1}')), /not in the Confluent wire format: .*7b22/);
    assert.throws(() => confluentFrame(Buffer.from([0, 0, 1])), DeserializationError);
  });

  test('Protobuf message indexes: zigzag count then indexes; a lone 0 is [0]', () => {
    assert.deepEqual(confluentMessageIndexes(Buffer.from([0, 9])).indexes, [0]);
    const { indexes, message } = confluentMessageIndexes(Buffer.from([4, 2, 0, 0x7f]));
    assert.deepEqual(indexes, [1, 0]);
    assert.deepEqual([...message], [0x7f]);
    assert.throws(() => confluentMessageIndexes(Buffer.from([4, 2])), /truncated/);
  });
});

describe('Glue framing', () => {
  const uuid = 'b7b4a7f0-0f0f-4a4a-9c9c-0123456789ab';
  const header = (compression: number) =>
    Buffer.concat([Buffer.from([3, compression]), Buffer.from(uuid.replaceAll('-', ''), 'hex')]);

  test('version 3, no compression: the version UUID and the payload', () => {
    const frame = glueFrame(Buffer.concat([header(0), Buffer.from('hi')]));
    assert.equal(frame.schemaVersionId, uuid);
    assert.equal(frame.payload.toString(), 'hi');
  });

  test('compression 5 is zlib', () => {
    assert.equal(glueFrame(Buffer.concat([header(5), deflateSync('hello')])).payload.toString(), 'hello');
    assert.throws(() => glueFrame(Buffer.concat([header(5), Buffer.from('nope')])), /does not inflate/);
  });

  test('another version or compression byte is a DeserializationError', () => {
    assert.throws(
      () => glueFrame(Buffer.concat([Buffer.from([2, 0]), Buffer.alloc(16)])),
      /header version byte 3/,
    );
    assert.throws(() => glueFrame(header(1)), /unknown Glue compression byte 1/);
  });
});

describe('Protobuf message types per framing', () => {
  const line = protoType('bridge.test.Order.Line');
  const bytes = Buffer.from(line.encode(line.fromObject({ sku: 'x', quantity: 5 })).finish());

  test('Confluent walks the index path from the top-level messages in file order', () => {
    const decode = compileSchema('protobuf', PROTO_ORDER_SCHEMA, 'confluent');
    assert.deepEqual(decode(Buffer.concat([Buffer.from([4, 2, 0]), bytes])), { sku: 'x', quantity: '5' });
  });

  test('Glue indexes every message type sorted by full name (Address 0, Customer 1, Order 2, Order.Line 3)', () => {
    const decode = compileSchema('protobuf', PROTO_ORDER_SCHEMA, 'glue');
    assert.deepEqual(decode(Buffer.concat([Buffer.from([3]), bytes])), { sku: 'x', quantity: '5' });
    const address = protoType('bridge.test.Address');
    const city = Buffer.from(address.encode(address.fromObject({ city: 'Lyon' })).finish());
    assert.deepEqual(decode(Buffer.concat([Buffer.from([0]), city])), { city: 'Lyon' });
    assert.throws(
      () => decode(Buffer.concat([Buffer.from([4]), bytes])),
      /no Protobuf message type at Glue message index 4/,
    );
  });

  test('a schema that does not compile is a DeserializationError', () => {
    assert.throws(() => compileSchema('avro', '{"type": "nope"}', 'glue'), DeserializationError);
    assert.throws(() => compileSchema('protobuf', 'message {', 'glue'), DeserializationError);
  });
});

describe('Avro values as JSON', () => {
  test('longs: numbers when exact, decimal strings beyond 2^53; bytes as base64', () => {
    const schema = JSON.stringify({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'small', type: 'long' },
        { name: 'big', type: 'long' },
        { name: 'raw', type: 'bytes' },
      ],
    });
    // Avro binary by hand: zigzag varint longs, then length-prefixed bytes.
    const zigzagVarint = (value: bigint): number[] => {
      let n = (value << 1n) ^ (value >> 63n);
      n = BigInt.asUintN(64, n);
      const out: number[] = [];
      while (n >= 0x80n) {
        out.push(Number((n & 0x7fn) | 0x80n));
        n >>= 7n;
      }
      out.push(Number(n));
      return out;
    };
    const payload = Buffer.from([
      ...zigzagVarint(-42n),
      ...zigzagVarint(9_007_199_254_740_993n),
      4,
      0xde,
      0xad,
    ]);
    const decode = compileSchema('avro', schema, 'confluent');
    assert.deepEqual(decode(payload), { small: -42, big: '9007199254740993', raw: '3q0=' });
  });
});
