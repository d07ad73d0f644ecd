import { type Envelope, encodeEnvelope } from '../envelope/index.ts';

/**
 * One record of a batched call's body (docs/deliver.md, Batched calls). The body is a JSON array
 * of the records' wire envelopes, value inline, each with its `idempotencyKey`
 * (route/topic/partition/offset) first:
 *
 *   [{"idempotencyKey":"orders/orders/0/7","v":1,"route":"orders",...},...]
 */
export function encodeBatchItem(envelope: Envelope, recordId: string): string {
  return `{"idempotencyKey":${JSON.stringify(recordId)},${encodeEnvelope(envelope).slice(1)}`;
}

/** One record the endpoint reported failed; `status` classifies it by the route's responses (none: retryable). */
export interface ItemFailure {
  readonly status?: number;
}

/**
 * The failures a 2xx answer lists, by idempotency key:
 * `{"batchItemFailures":[{"itemIdentifier":"<idempotencyKey>","status"?:422}]}`. An empty body,
 * one that is not JSON, or one without the list means every record succeeded. Returns a string
 * (the problem) when the list is malformed or names a record that was not in the call: the
 * whole call then counts as failed, since which record failed is unknown.
 */
export function parseBatchAnswer(text: string, sent: ReadonlySet<string>): Map<string, ItemFailure> | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Map();
  }
  if (typeof body !== 'object' || body === null || !('batchItemFailures' in body)) return new Map();
  const list = body.batchItemFailures;
  if (!Array.isArray(list)) return 'batchItemFailures is not an array';
  const failures = new Map<string, ItemFailure>();
  for (const [index, item] of list.entries()) {
    const { itemIdentifier, status } = (typeof item === 'object' && item !== null ? item : {}) as Record<
      string,
      unknown
    >;
    if (typeof itemIdentifier !== 'string' || !sent.has(itemIdentifier)) {
      return `batchItemFailures[${index}].itemIdentifier is not the idempotencyKey of a record of the call`;
    }
    if (
      status !== undefined &&
      (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    ) {
      return `batchItemFailures[${index}].status is not an HTTP status`;
    }
    failures.set(itemIdentifier, status === undefined ? {} : { status });
  }
  return failures;
}
