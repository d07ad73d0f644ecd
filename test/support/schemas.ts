import { deflateSync } from 'node:zlib';
import protobuf from 'protobufjs';

/*
 * The schemas and records the decoding tests share: one order in Avro, Protobuf and JSON
 * Schema, and the Glue framing for the formats no JavaScript Glue serializer writes (Protobuf,
 * JSON Schema), laid out as AWS's Java serializer does (lib/decode/wire.ts).
 */

export const ORDER = { id: 77, customer: 'acme', total: 12.5, tags: ['vip', 'eu'] };

export const AVRO_ORDER_SCHEMA = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'bridge.test',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'customer', type: 'string' },
    { name: 'total', type: 'double' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
});

/**
 * Three top-level messages and a nested one, declared so that file order, breadth-first order and
 * name order all differ: Confluent's indexes follow the file, Glue's the sorted names.
 */
export const PROTO_ORDER_SCHEMA = `syntax = "proto3";
package bridge.test;

message Customer {
  string name = 1;
}

message Order {
  int32 id = 1;
  string customer = 2;
  double total = 3;
  repeated string tags = 4;
  Line line = 5;
  message Line {
    string sku = 1;
    int64 quantity = 2;
  }
}

message Address {
  string city = 1;
}
`;

export const PROTO_ORDER = { ...ORDER, line: { sku: 'A-1', quantity: '3' } };

export const JSON_ORDER_SCHEMA = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'integer' }, customer: { type: 'string' } },
  required: ['id'],
});

export function protoType(name: string): protobuf.Type {
  return protobuf.parse(PROTO_ORDER_SCHEMA, { keepCase: true }).root.lookupType(name);
}

/** Glue's framing: version 3, compression (0 or 5 zlib), the 16-byte version UUID, the payload. */
export function glueFramed(versionId: string, payload: Buffer, compress = false): Buffer {
  const uuid = Buffer.from(versionId.replaceAll('-', ''), 'hex');
  return Buffer.concat([Buffer.from([3, compress ? 5 : 0]), uuid, compress ? deflateSync(payload) : payload]);
}

/**
 * Glue Protobuf payload: the message's index among all message types sorted by full name
 * (Address 0, Customer 1, Order 2, Order.Line 3), as an unsigned varint.
 */
export function glueProtobufPayload(typeName: string, value: unknown): Buffer {
  const order = [
    'bridge.test.Address',
    'bridge.test.Customer',
    'bridge.test.Order',
    'bridge.test.Order.Line',
  ];
  const type = protoType(typeName);
  return Buffer.concat([
    Buffer.from([order.indexOf(typeName)]),
    Buffer.from(type.encode(type.fromObject(value as object)).finish()),
  ]);
}
