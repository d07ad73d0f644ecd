import { GlueClient } from '@aws-sdk/client-glue';
import type { Decode } from './config.ts';
import { confluentRegistry } from './confluent.ts';
import { DeserializationError, SchemaNotFoundError } from './errors.ts';
import { decodePayload } from './formats.ts';
import { glueRegistry } from './glue.ts';
import type { SchemaCache, SchemaRef } from './registry.ts';
import { confluentFrame, glueFrame } from './wire.ts';

export type { Decode, DecodeInput } from './config.ts';
export { DecodeSchema } from './config.ts';
export {
  type DecodeFailureReason,
  DeserializationError,
  RegistryUnavailableError,
  SchemaNotFoundError,
} from './errors.ts';
export { GLUE_SCHEMA_ACCESS } from './glue.ts';
export type { SchemaRef } from './registry.ts';

/*
 * Route decoding (`route.decode`): a record's value (and key, when asked) in the Confluent or the
 * AWS Glue Schema Registry wire format becomes JSON, with the schema it was written with.
 * docs/decoding.md has the formats and how the poller's decode stage treats each failure.
 */

/** The registries of one process, shared by its routes so each schema is fetched once. */
export interface RegistryClients {
  confluent(url: string, timeoutMs: number): SchemaCache<number>;
  glue(region: string | undefined): SchemaCache<string>;
}

export interface RegistryClientOptions {
  /** The Glue client of a region (undefined: the process's own); defaults to a plain GlueClient. */
  readonly glueClient?: (region: string | undefined) => GlueClient;
  readonly fetch?: typeof fetch;
}

/** One cached registry per Confluent URL and per Glue region, created on first use. */
export function createRegistryClients(options: RegistryClientOptions = {}): RegistryClients {
  const confluent = new Map<string, SchemaCache<number>>();
  const glue = new Map<string, SchemaCache<string>>();
  const glueClient =
    options.glueClient ?? ((region) => new GlueClient(region === undefined ? {} : { region }));
  return {
    confluent(url, timeoutMs) {
      const id = `${url} ${timeoutMs}`;
      const existing = confluent.get(id);
      if (existing !== undefined) return existing;
      const created = confluentRegistry({
        url,
        timeoutMs,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      confluent.set(id, created);
      return created;
    },
    glue(region) {
      const existing = glue.get(region ?? '');
      if (existing !== undefined) return existing;
      const created = glueRegistry(glueClient(region));
      glue.set(region ?? '', created);
      return created;
    },
  };
}

/** A record as the decode stage gets it: raw bytes. */
export interface RawRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export interface DecodedRecord {
  /** The value as JSON; null for a tombstone. */
  readonly value: unknown;
  /** The value's schema; null for a tombstone. */
  readonly schema: SchemaRef | null;
  /** Present when the route decodes keys: the key as JSON (null without key), and its schema. */
  readonly key?: unknown;
  readonly keySchema?: SchemaRef | null;
}

export type RecordDecoder = (record: RawRecord) => Promise<DecodedRecord>;

/** Prefixes the failure with the part of the record, keeping its class. */
function inPart<T>(part: string, run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    if (error instanceof DeserializationError)
      throw new DeserializationError(`record ${part}: ${error.message}`, { cause: error });
    if (error instanceof SchemaNotFoundError)
      throw new SchemaNotFoundError(`record ${part}: ${error.message}`, { cause: error });
    throw error;
  });
}

/**
 * The route's decoder. It rejects with SchemaNotFoundError (dead-letter: `schema-not-found`),
 * DeserializationError (dead-letter: `deserialization-error`) or RegistryUnavailableError (hold
 * the partition and retry the record later; never dead-letter).
 */
export function createRouteDecoder(spec: Decode, clients: RegistryClients): RecordDecoder {
  const { registry } = spec;
  const bytesToJson =
    registry.type === 'confluent'
      ? async (bytes: Buffer, part: string) => {
          const frame = confluentFrame(bytes);
          const schema = await clients.confluent(registry.url, registry.timeoutMs).get(frame.schemaId);
          return {
            json: decodePayload(schema.decode, frame.payload, `schema id ${frame.schemaId}`),
            ref: schema.ref,
            part,
          };
        }
      : async (bytes: Buffer, part: string) => {
          const frame = glueFrame(bytes);
          const schema = await clients.glue(registry.region).get(frame.schemaVersionId);
          return {
            json: decodePayload(schema.decode, frame.payload, `schema version ${frame.schemaVersionId}`),
            ref: schema.ref,
            part,
          };
        };
  const decode = (bytes: Buffer | null, part: string) =>
    bytes === null ? Promise.resolve(null) : inPart(part, () => bytesToJson(bytes, part));

  return async (record) => {
    const value = await decode(record.value, 'value');
    if (!spec.key) return { value: value?.json ?? null, schema: value?.ref ?? null };
    const key = await decode(record.key, 'key');
    return {
      value: value?.json ?? null,
      schema: value?.ref ?? null,
      key: key?.json ?? null,
      keySchema: key?.ref ?? null,
    };
  };
}
