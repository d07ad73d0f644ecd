// Avro values for the benchmarks of a decoding route (bench/decode.ts, bench/poller.ts): an
// order with 15 lines, a map and an enum, about 1 KiB in the Confluent wire format (magic byte,
// schema id, Avro), and a schema registry that answers from memory (no Apicurio, no network).
import avro from 'avsc';
import { createRegistryClients, type RegistryClients } from '../../lib/decode/index.ts';

export const ORDER_SCHEMA_ID = 42;
/** An order with line items: strings, longs, doubles, an enum, an array and a map, as teams write them. */
export const ORDER_SCHEMA = {
  type: 'record',
  name: 'Order',
  namespace: 'bench',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'customerId', type: 'long' },
    { name: 'createdAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'currency', type: 'string' },
    { name: 'total', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Line',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'title', type: 'string' },
            { name: 'quantity', type: 'int' },
            { name: 'price', type: 'double' },
          ],
        },
      },
    },
    { name: 'attributes', type: { type: 'map', values: 'string' } },
  ],
};

const type = avro.Type.forSchema(ORDER_SCHEMA as avro.Schema);

/** Order `i` in the Confluent wire format: about 1 KiB, like the 1 KiB values of bench:poller. */
export function avroOrder(i: number): Buffer {
  const payload = type.toBuffer({
    orderId: `order-${i}`,
    customerId: 1_000_000 + (i % 5_000),
    createdAt: 1_765_000_000_000 + i,
    status: ['NEW', 'PAID', 'SHIPPED'][i % 3],
    currency: 'EUR',
    total: 1234.5 + i,
    note: i % 2 === 0 ? null : 'leave at the door, ring twice',
    lines: Array.from({ length: 15 }, (_, j) => ({
      sku: `SKU-${(i + j) % 997}-ABCDEFGH`,
      title: `Product number ${j} of order ${i}, a title`,
      quantity: 1 + (j % 4),
      price: 9.99 + j,
    })),
    attributes: { channel: 'web', campaign: `winter-${i % 7}`, region: 'eu-central' },
  });
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0); // Confluent magic byte
  header.writeUInt32BE(ORDER_SCHEMA_ID, 1);
  return Buffer.concat([header, payload]);
}

/** A Confluent registry that answers every schema lookup from memory with ORDER_SCHEMA; counts the lookups. */
export function memoryOrderRegistry(): { readonly clients: RegistryClients; readonly fetched: () => number } {
  let fetched = 0;
  const registryFetch = (async () => {
    fetched++;
    return new Response(JSON.stringify({ schema: JSON.stringify(ORDER_SCHEMA) }), { status: 200 });
  }) as typeof fetch;
  return { clients: createRegistryClients({ fetch: registryFetch }), fetched: () => fetched };
}

/** The `decode` of a route whose values are orders from memoryOrderRegistry (its URL is never called). */
export const ORDER_DECODE = {
  registry: { type: 'confluent', url: 'http://127.0.0.1:1', timeoutMs: 5_000 },
  key: false,
} as const;
