import { RegistryUnavailableError, SchemaNotFoundError } from './errors.ts';
import type { SchemaFormat } from './formats.ts';
import { type FetchedSchema, SchemaCache } from './registry.ts';

/*
 * A Confluent-compatible schema registry (Confluent Schema Registry, Apicurio's /apis/ccompat/v7,
 * Redpanda, Karapace): `GET {url}/schemas/ids/{id}` answers `{ schema, schemaType? }`, the type
 * absent for Avro. 404 means the id is unknown; anything else that is not a 200 with that body
 * (network, timeout, 5xx, 401/403) means the registry is not answering as it should.
 */

export interface ConfluentRegistryOptions {
  /** The registry's base URL, e.g. `https://registry.example.com` or `http://127.0.0.1:8081/apis/ccompat/v7`. */
  readonly url: string;
  /** Per request; a registry slower than this counts as not answering. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const FORMATS: Record<string, SchemaFormat> = { AVRO: 'avro', PROTOBUF: 'protobuf', JSON: 'json' };

export function confluentFetcher(options: ConfluentRegistryOptions): (id: number) => Promise<FetchedSchema> {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return async (id) => {
    const where = `schema id ${id} at ${base}`;
    let response: Response;
    let body: unknown;
    try {
      response = await doFetch(`${base}/schemas/ids/${id}`, {
        headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await response.json().catch(() => undefined);
    } catch (error) {
      throw new RegistryUnavailableError(
        `the schema registry did not answer for ${where}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (response.status === 404) throw new SchemaNotFoundError(`the registry has no ${where}`);
    const record = body as { schema?: unknown; schemaType?: unknown } | undefined;
    if (response.status !== 200 || typeof record?.schema !== 'string') {
      throw new RegistryUnavailableError(`the schema registry answered ${response.status} for ${where}`);
    }
    const format = FORMATS[typeof record.schemaType === 'string' ? record.schemaType : 'AVRO'];
    if (format === undefined)
      throw new SchemaNotFoundError(`${where} has the unsupported type ${String(record.schemaType)}`);
    return { format, definition: record.schema, ref: { registry: 'confluent', id, format } };
  };
}

/** A cached Confluent-compatible registry; one per URL per process. */
export function confluentRegistry(options: ConfluentRegistryOptions): SchemaCache<number> {
  return new SchemaCache(confluentFetcher(options), 'confluent');
}
