import { DeserializationError, SchemaNotFoundError } from './errors.ts';
import { compileSchema, type Framing, type PayloadDecoder, type SchemaFormat } from './formats.ts';

/*
 * A schema registry as the decoder uses it: schemas by id, fetched once, compiled once and kept
 * for the life of the process (a registered schema never changes under its id). Concurrent
 * records with the same new id share one fetch. A failed fetch is not kept, except "not found",
 * which is kept for NOT_FOUND_TTL_MS so a run of records with an unknown id does not ask the
 * registry for each.
 */

/** The schema a record was written with, as the envelope reports it. */
export type SchemaRef =
  | { readonly registry: 'confluent'; readonly id: number; readonly format: SchemaFormat }
  | {
      readonly registry: 'glue';
      readonly versionId: string;
      readonly version?: number;
      readonly schemaArn?: string;
      readonly format: SchemaFormat;
    };

/** What a registry answers for an id. */
export interface FetchedSchema {
  readonly format: SchemaFormat;
  readonly definition: string;
  readonly ref: SchemaRef;
}

export interface CompiledSchema {
  readonly decode: PayloadDecoder;
  readonly ref: SchemaRef;
}

/** Fetches one schema; throws SchemaNotFoundError or RegistryUnavailableError. */
export type SchemaFetcher<Id> = (id: Id) => Promise<FetchedSchema>;

export const NOT_FOUND_TTL_MS = 30_000;

export class SchemaCache<Id extends string | number> {
  readonly #found = new Map<Id, Promise<CompiledSchema>>();
  readonly #missing = new Map<Id, { until: number; error: SchemaNotFoundError }>();
  readonly #fetch: SchemaFetcher<Id>;
  readonly #framing: Framing;
  readonly #now: () => number;

  constructor(fetchSchema: SchemaFetcher<Id>, framing: Framing, now: () => number = Date.now) {
    this.#fetch = fetchSchema;
    this.#framing = framing;
    this.#now = now;
  }

  /** The compiled schema of `id`; fetched from the registry the first time only. */
  get(id: Id): Promise<CompiledSchema> {
    const cached = this.#found.get(id);
    if (cached !== undefined) return cached;
    const missing = this.#missing.get(id);
    if (missing !== undefined && missing.until > this.#now()) return Promise.reject(missing.error);
    const pending = this.#fetch(id).then(
      (schema) => ({
        decode: compileSchema(schema.format, schema.definition, this.#framing),
        ref: schema.ref,
      }),
      (error: unknown) => {
        if (error instanceof SchemaNotFoundError)
          this.#missing.set(id, { until: this.#now() + NOT_FOUND_TTL_MS, error });
        throw error;
      },
    );
    this.#found.set(id, pending);
    // Only a schema that compiled stays; anything else is asked again next time.
    pending.catch((error: unknown) => {
      if (!(error instanceof DeserializationError)) this.#found.delete(id);
    });
    return pending;
  }

  /** How many schemas were fetched and kept (for tests and metrics). */
  get size(): number {
    return this.#found.size;
  }
}
