import { inflateSync } from 'node:zlib';
import { DeserializationError } from './errors.ts';

/*
 * The two registry wire formats, as bytes:
 * - Confluent: magic byte 0, the schema id as a 4-byte big-endian integer, then the payload;
 *   for Protobuf the payload starts with the message indexes (a zigzag varint count, then that
 *   many zigzag varint indexes; a single 0 byte stands for [0]).
 * - AWS Glue Schema Registry: header version byte 3, compression byte (0 none, 5 zlib), the
 *   16-byte schema version UUID, then the payload (zlib-deflated when compressed); for Protobuf
 *   the payload starts with one unsigned varint: the message's index among the schema's message
 *   types sorted by full name.
 */

export const CONFLUENT_MAGIC = 0;
export const GLUE_HEADER_VERSION = 3;
const GLUE_COMPRESSION_NONE = 0;
const GLUE_COMPRESSION_ZLIB = 5;
const GLUE_HEADER_LENGTH = 18;

/** A varint reader over a buffer, for the Protobuf message indexes. */
export class VarintReader {
  offset: number;
  readonly #bytes: Buffer;
  constructor(bytes: Buffer, offset = 0) {
    this.#bytes = bytes;
    this.offset = offset;
  }

  unsigned(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.#bytes[this.offset++];
      if (byte === undefined) throw new DeserializationError('truncated Protobuf message index');
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new DeserializationError('Protobuf message index varint is too long');
  }

  zigzag(): number {
    const raw = this.unsigned();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  rest(): Buffer {
    return this.#bytes.subarray(this.offset);
  }
}

export interface ConfluentFrame {
  readonly schemaId: number;
  readonly payload: Buffer;
}

export function confluentFrame(bytes: Buffer): ConfluentFrame {
  if (bytes.length < 5 || bytes[0] !== CONFLUENT_MAGIC) {
    throw new DeserializationError(
      `not in the Confluent wire format: expected magic byte 0 and a 4-byte schema id, got ${describeStart(bytes)}`,
    );
  }
  return { schemaId: bytes.readUInt32BE(1), payload: bytes.subarray(5) };
}

/** Confluent Protobuf message indexes: the path to the message type, from the file's top level. */
export function confluentMessageIndexes(payload: Buffer): { indexes: number[]; message: Buffer } {
  const reader = new VarintReader(payload);
  const count = reader.zigzag();
  if (count < 0 || count > 100)
    throw new DeserializationError(`invalid Protobuf message index count ${count}`);
  const indexes = count === 0 ? [0] : Array.from({ length: count }, () => reader.zigzag());
  return { indexes, message: reader.rest() };
}

export interface GlueFrame {
  readonly schemaVersionId: string;
  readonly payload: Buffer;
}

export function glueFrame(bytes: Buffer): GlueFrame {
  if (bytes.length < GLUE_HEADER_LENGTH || bytes[0] !== GLUE_HEADER_VERSION) {
    throw new DeserializationError(
      `not in the AWS Glue Schema Registry wire format: expected header version byte 3, compression and a 16-byte schema version id, got ${describeStart(bytes)}`,
    );
  }
  const compression = bytes[1];
  const hex = bytes.subarray(2, GLUE_HEADER_LENGTH).toString('hex');
  const schemaVersionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const body = bytes.subarray(GLUE_HEADER_LENGTH);
  if (compression === GLUE_COMPRESSION_NONE) return { schemaVersionId, payload: body };
  if (compression === GLUE_COMPRESSION_ZLIB) {
    try {
      return { schemaVersionId, payload: inflateSync(body) };
    } catch (error) {
      throw new DeserializationError('the zlib-compressed Glue payload does not inflate', { cause: error });
    }
  }
  throw new DeserializationError(`unknown Glue compression byte ${compression} (0 none, 5 zlib)`);
}

function describeStart(bytes: Buffer): string {
  if (bytes.length === 0) return 'an empty value';
  return `${bytes.length} bytes starting ${bytes.subarray(0, 6).toString('hex')}`;
}
