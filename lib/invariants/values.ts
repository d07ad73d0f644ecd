// What the endpoint got against what was produced: the SHA-256 of each record's value as read
// back from the topic, and of the value each accepted request carried (the envelope's inline
// value, or the raw body), so a corrupted or wrong body under the right idempotency key is
// counted (claim-checked values arrive inline, so they are compared the same way).
import { createHash } from 'node:crypto';
import { decodeEnvelope } from '../envelope/index.ts';

/** SHA-256 (hex) of a value's bytes; null for a tombstone (no value). */
export function valueDigest(value: Uint8Array | null): string | null {
  return value === null ? null : createHash('sha256').update(value).digest('hex');
}

/** The digest of an empty value: what a raw-body request carries for a tombstone. */
export const EMPTY_DIGEST = valueDigest(Buffer.alloc(0)) as string;

/**
 * The value digest of a request body: an envelope's inline value (a claim check the deliverer
 * did not resolve yields a marker that matches no digest), or, for a body that is not an
 * envelope (`body: 'raw'` routes), the body's bytes.
 */
export function requestValueDigest(body: Buffer): string | null {
  let envelope: ReturnType<typeof decodeEnvelope>;
  try {
    envelope = decodeEnvelope(body.toString('utf8'));
  } catch {
    return valueDigest(body);
  }
  const value = envelope.value;
  if (value === null) return null;
  if ('inline' in value) return valueDigest(value.inline);
  return `unresolved claim check ${JSON.stringify('s3' in value ? value.s3 : value.record)}`;
}

export interface ValueMismatch {
  readonly recordId: string;
  readonly at: number;
  readonly expected: string | null;
  readonly got: string | null;
}

/**
 * Accepted requests whose value differs from the produced record's. A raw body cannot tell a
 * tombstone from an empty value, so an empty body matches both.
 */
export function valueMismatches(
  produced: ReadonlyMap<string, string | null>,
  requests: readonly {
    readonly recordId: string;
    readonly at: number;
    readonly accepted: boolean;
    readonly valueDigest: string | null;
  }[],
): ValueMismatch[] {
  const mismatches: ValueMismatch[] = [];
  for (const request of requests) {
    if (!request.accepted || !produced.has(request.recordId)) continue;
    const expected = produced.get(request.recordId) ?? null;
    const got = request.valueDigest;
    if (got === expected || (expected === null && got === EMPTY_DIGEST)) continue;
    mismatches.push({ recordId: request.recordId, at: request.at, expected, got });
  }
  return mismatches;
}
