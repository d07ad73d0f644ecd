/**
 * A route's decode and filter stages (stages.ts) built from its config: `route.decode`
 * (lib/decode, docs/decoding.md) and `route.filter` (lib/filter, docs/filters.md). A route with
 * neither gets no stage at all, so its records pay nothing for them.
 *
 * The decode stage turns the decoder's three failures into the pipeline's outcomes:
 * - SchemaNotFoundError, DeserializationError: `dead-letter` with the error's reason
 *   (`schema-not-found`, `deserialization-error`); the record goes on, marked, and the deliverer
 *   dead-letters it without calling the endpoint. The partition goes on.
 * - RegistryUnavailableError: `hold`; the partition pauses (reason `registry`) for a backoff that
 *   grows while the registry keeps failing (shared by the route's partitions: one registry) and
 *   resets on the first answer. Never dead-lettered.
 * Any other error is the bridge's own: it propagates and stops the partition's batch loudly.
 */
import type { Route } from '../config/index.ts';
import {
  createRegistryClients,
  createRouteDecoder,
  DeserializationError,
  type RegistryClients,
  RegistryUnavailableError,
  SchemaNotFoundError,
} from '../decode/index.ts';
import { compileRouteFilter } from '../filter/index.ts';
import { type BackoffPolicy, backoffMs } from '../retry/index.ts';
import type { DecodeOutcome, DecodeStage, FilterStage, RouteStages } from './stages.ts';

/** How long a partition waits before asking a registry that did not answer again. */
export const REGISTRY_HOLD: BackoffPolicy = { baseMs: 500, maxMs: 30_000, jitter: 'none' };

let shared: RegistryClients | undefined;

/** The registries of a process that was given none: one schema cache per registry, shared by its routes. */
export function processRegistries(): RegistryClients {
  shared ??= createRegistryClients();
  return shared;
}

/** The stages of `route`; `registries` is the process's shared registry clients (schemas cached once). */
export function routeStages(route: Route, registries: () => RegistryClients): RouteStages {
  const stages: { decode?: DecodeStage; filter?: FilterStage } = {};
  if (route.decode !== undefined) stages.decode = decodeStage(route, registries());
  if (route.filter !== undefined) stages.filter = filterStage(route);
  return stages;
}

function decodeStage(route: Route, registries: RegistryClients): DecodeStage {
  const decode = createRouteDecoder(route.decode as NonNullable<Route['decode']>, registries);
  const decodesKeys = route.decode?.key === true;
  let failures = 0; // consecutive RegistryUnavailableErrors of this route's registry
  return async (record): Promise<DecodeOutcome> => {
    try {
      const out = await decode({ key: record.message.key, value: record.message.value });
      failures = 0;
      return {
        kind: 'decoded',
        decoded: {
          ...record,
          decoded: decodesKeys
            ? { value: out.value, schema: out.schema, key: out.key, keySchema: out.keySchema ?? null }
            : { value: out.value, schema: out.schema },
        },
      };
    } catch (error) {
      if (error instanceof SchemaNotFoundError || error instanceof DeserializationError) {
        failures = 0;
        return { kind: 'dead-letter', reason: error.reason, message: error.message };
      }
      if (error instanceof RegistryUnavailableError) {
        const retryAfterMs = backoffMs(Math.min(failures, 20), REGISTRY_HOLD);
        failures++;
        return { kind: 'hold', reason: error.message, retryAfterMs };
      }
      throw error;
    }
  };
}

function filterStage(route: Route): FilterStage {
  const filter = compileRouteFilter(route.filter);
  return (record) => {
    const { message, decoded } = record;
    return filter({
      key: decoded !== undefined && 'key' in decoded ? decoded.key : message.key,
      headers: message.headers ?? {},
      value: decoded === undefined ? message.value : decoded.value,
    });
  };
}
