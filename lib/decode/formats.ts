import avro from 'avsc';
import protobuf from 'protobufjs';
import { DeserializationError } from './errors.ts';
import { confluentMessageIndexes, VarintReader } from './wire.ts';

/*
 * Schemas compiled once per schema id / version, and the payload decoders they give: Avro
 * (avsc), Protobuf (protobufjs) and JSON Schema (the payload is JSON). Every decoder returns
 * plain JSON: bytes become base64 strings, Protobuf 64-bit integers decimal strings, Avro longs
 * numbers when they fit a JavaScript number exactly and decimal strings when not, Protobuf
 * enums their names.
 */

export type SchemaFormat = 'avro' | 'protobuf' | 'json';

/** Which wire format carried the payload: it decides how Protobuf names its message type. */
export type Framing = 'confluent' | 'glue';

/** A payload (after the registry header) to JSON. */
export type PayloadDecoder = (payload: Buffer) => unknown;

/** Buffers (Avro bytes/fixed) to base64, recursively; everything else as JSON.stringify sees it. */
function jsonSafe(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = jsonSafe(item);
    return out;
  }
  return value;
}

/** Avro longs as numbers when they fit exactly, else as decimal strings (never a rounded number). */
const EXACT_LONG = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => {
    const value = buffer.readBigInt64LE();
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  },
  toBuffer: (value: number | string) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: (value: number | string) => value,
  toJSON: (value: number | string) => value,
  isValid: (value: unknown) => typeof value === 'number' || typeof value === 'string',
  compare: (a: number | string, b: number | string) =>
    BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0,
});

function avroDecoder(definition: string): PayloadDecoder {
  const type = avro.Type.forSchema(JSON.parse(definition) as avro.Schema, { registry: { long: EXACT_LONG } });
  return (payload) => jsonSafe(type.fromBuffer(payload));
}

function jsonDecoder(): PayloadDecoder {
  return (payload) => JSON.parse(payload.toString('utf8'));
}

const TO_JSON: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, json: true };

const messageTypes = (namespace: protobuf.NamespaceBase): protobuf.Type[] =>
  namespace.nestedArray.filter((item): item is protobuf.Type => item instanceof protobuf.Type);

function protobufDecoder(definition: string, framing: Framing): PayloadDecoder {
  const parsed = protobuf.parse(definition, { keepCase: true });
  const root = parsed.root.resolveAll();
  const top = parsed.package ? (root.lookup(parsed.package) as protobuf.Namespace) : root;
  const topLevel = messageTypes(top);
  if (topLevel.length === 0) throw new Error('the Protobuf schema declares no message type');
  const decode = (type: protobuf.Type, message: Buffer): unknown =>
    type.toObject(type.decode(message), TO_JSON);

  if (framing === 'confluent') {
    return (payload) => {
      const { indexes, message } = confluentMessageIndexes(payload);
      let candidates = topLevel;
      let type: protobuf.Type | undefined;
      for (const index of indexes) {
        type = candidates[index];
        if (type === undefined)
          throw new DeserializationError(`no Protobuf message type at index path [${indexes.join(', ')}]`);
        candidates = messageTypes(type);
      }
      return decode(type as protobuf.Type, message);
    };
  }
  // Glue: every message type, nested ones included, sorted by full name.
  const all: protobuf.Type[] = [];
  const queue = [...topLevel];
  for (let type = queue.shift(); type !== undefined; type = queue.shift()) {
    all.push(type);
    queue.push(...messageTypes(type));
  }
  all.sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
  return (payload) => {
    const reader = new VarintReader(payload);
    const index = reader.unsigned();
    const type = all[index];
    if (type === undefined)
      throw new DeserializationError(`no Protobuf message type at Glue message index ${index}`);
    return decode(type, reader.rest());
  };
}

/**
 * Compiles a schema's text. Throws DeserializationError when the registry's schema itself does
 * not compile: the records written with it cannot be decoded here either.
 */
export function compileSchema(format: SchemaFormat, definition: string, framing: Framing): PayloadDecoder {
  try {
    if (format === 'avro') return avroDecoder(definition);
    if (format === 'protobuf') return protobufDecoder(definition, framing);
    return jsonDecoder();
  } catch (error) {
    if (error instanceof DeserializationError) throw error;
    throw new DeserializationError(`the ${format} schema does not compile: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Runs a decoder, turning any failure of the payload into a DeserializationError. */
export function decodePayload(decoder: PayloadDecoder, payload: Buffer, what: string): unknown {
  try {
    return decoder(payload);
  } catch (error) {
    if (error instanceof DeserializationError) throw error;
    throw new DeserializationError(`${what} does not decode: ${(error as Error).message}`, { cause: error });
  }
}
