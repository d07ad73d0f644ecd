import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  createRegistryClients,
  createRouteDecoder,
  DeserializationError,
  RegistryUnavailableError,
  SchemaNotFoundError,
} from '../../lib/decode/index.ts';
import { startApicurio, TestConfluentRegistry } from '../support/confluent-registry.ts';
import {
  AVRO_ORDER_SCHEMA,
  JSON_ORDER_SCHEMA,
  ORDER,
  PROTO_ORDER,
  PROTO_ORDER_SCHEMA,
  protoType,
} from '../support/schemas.ts';

/*
 * route.decode with a Confluent-compatible registry: Apicurio Registry's /apis/ccompat/v7,
 * started by scripts/apicurio.sh; the outage case uses TestConfluentRegistry, which can stop and
 * come back on the same port.
 * Avro and JSON Schema records are written by @kafkajs/confluent-schema-registry's encode, a real
 * serializer; its Protobuf encoding leaves out the message indexes of Confluent's wire format, so
 * Protobuf records are framed here around protobufjs bytes with explicit indexes.
 */

let registry: { url: string };
let serializer: SchemaRegistry;
const subject = (name: string): string => `${name}-${process.pid}-${Date.now()}`;

before(
  async () => {
    registry = { url: await startApicurio() };
    serializer = new SchemaRegistry({ host: registry.url });
  },
  { timeout: 900_000 },
);

/** GET /schemas/ids/{id} calls the decoder made, for the "fetched once" checks. */
let schemaReads = 0;
const countingFetch: typeof fetch = (input, init) => {
  if (String(input).includes('/schemas/ids/')) schemaReads++;
  return fetch(input, init);
};
const decoder = (url = registry.url, key = false) =>
  createRouteDecoder(
    { registry: { type: 'confluent', url, timeoutMs: 2_000 }, key },
    createRegistryClients({ fetch: countingFetch }),
  );

/** Confluent framing with Protobuf message indexes (zigzag varints: count, then each index). */
function confluentProtobuf(id: number, indexes: number[], typeName: string, value: unknown): Buffer {
  const type = protoType(typeName);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  const zigzag = (n: number) => (n << 1) ^ (n >> 31);
  return Buffer.concat([
    header,
    Buffer.from([zigzag(indexes.length), ...indexes.map(zigzag)]),
    Buffer.from(type.encode(type.fromObject(value as object)).finish()),
  ]);
}

describe('Confluent wire format decoding', () => {
  test('Avro written by a registry client becomes JSON with its schema id; fetched once', async () => {
    const { id } = await serializer.register(
      { type: SchemaType.AVRO, schema: AVRO_ORDER_SCHEMA },
      { subject: subject('orders-avro') },
    );
    const decode = decoder();
    const reads = schemaReads;
    for (const total of [1.5, 2.5, 3.5]) {
      const decoded = await decode({ key: null, value: await serializer.encode(id, { ...ORDER, total }) });
      assert.deepEqual(decoded.value, { ...ORDER, total });
      assert.deepEqual(decoded.schema, { registry: 'confluent', id, format: 'avro' });
    }
    assert.equal(schemaReads - reads, 1, 'one schema read for three records');
  });

  test('JSON Schema written by a registry client, and keys when asked', async () => {
    const { id } = await serializer.register(
      { type: SchemaType.JSON, schema: JSON_ORDER_SCHEMA },
      { subject: subject('orders-json') },
    );
    const value = await serializer.encode(id, ORDER);
    const key = await serializer.encode(id, { id: 7, customer: 'k' });
    const decoded = await decoder(registry.url, true)({ key, value });
    assert.deepEqual(decoded.value, ORDER);
    assert.deepEqual(decoded.key, { id: 7, customer: 'k' });
    assert.deepEqual(decoded.keySchema, { registry: 'confluent', id, format: 'json' });
  });

  test('Protobuf: the message indexes pick the message type, nested ones included', async () => {
    const { id } = await serializer.register(
      { type: SchemaType.PROTOBUF, schema: PROTO_ORDER_SCHEMA },
      { subject: subject('orders-proto') },
    );
    const decode = decoder();
    const order = await decode({
      key: null,
      value: confluentProtobuf(id, [1], 'bridge.test.Order', PROTO_ORDER),
    });
    assert.deepEqual(order.value, PROTO_ORDER);
    assert.deepEqual(order.schema, { registry: 'confluent', id, format: 'protobuf' });
    const customer = confluentProtobuf(id, [], 'bridge.test.Customer', { name: 'acme' });
    assert.deepEqual(
      (await decode({ key: null, value: customer })).value,
      { name: 'acme' },
      'count 0 stands for [0]',
    );
    const line = await decode({
      key: null,
      value: confluentProtobuf(id, [1, 0], 'bridge.test.Order.Line', { sku: 'x', quantity: '5' }),
    });
    assert.deepEqual(line.value, { sku: 'x', quantity: '5' });
  });

  test('an unknown schema id is SchemaNotFoundError; bytes that do not decode are DeserializationError', async () => {
    const { id } = await serializer.register(
      { type: SchemaType.AVRO, schema: AVRO_ORDER_SCHEMA },
      { subject: subject('orders-bad') },
    );
    const decode = decoder();
    const unknown = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2]);
    await assert.rejects(
      decode({ key: null, value: unknown }),
      (error) => error instanceof SchemaNotFoundError && error.reason === 'schema-not-found',
    );
    const good = await serializer.encode(id, ORDER);
    for (const value of [good.subarray(0, 8), Buffer.from('{"id":1}'), Buffer.from([0, 0])]) {
      await assert.rejects(decode({ key: null, value }), (error) => {
        assert.ok(error instanceof DeserializationError, String(error));
        assert.equal(error.reason, 'deserialization-error');
        return true;
      });
    }
  });

  test('a dead port is RegistryUnavailableError (retryable)', async () => {
    await assert.rejects(
      decoder('http://127.0.0.1:9')({ key: null, value: Buffer.from([0, 0, 0, 0, 1, 0]) }),
      (error) => {
        assert.ok(error instanceof RegistryUnavailableError, String(error));
        assert.equal(error.retryable, true);
        return true;
      },
    );
  });

  test('a stopped registry is RegistryUnavailableError, and the same decoder decodes once it is back', async () => {
    const own = await new TestConfluentRegistry().start();
    try {
      const writer = new SchemaRegistry({ host: own.url });
      const { id } = await writer.register(
        { type: SchemaType.AVRO, schema: AVRO_ORDER_SCHEMA },
        { subject: 'stopped' },
      );
      const value = await writer.encode(id, ORDER);
      const decode = decoder(own.url);
      await own.stop();
      await assert.rejects(decode({ key: null, value }), RegistryUnavailableError);
      await assert.rejects(
        decode({ key: null, value }),
        RegistryUnavailableError,
        'still unavailable, not cached as missing',
      );
      await own.start();
      assert.deepEqual((await decode({ key: null, value })).value, ORDER);
    } finally {
      await own.stop();
    }
  });
});
