import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SecretError } from '../aws/secrets.ts';
import { SIGNATURE_HEADER, signatureOf, TIMESTAMP_HEADER } from './signature.ts';

/**
 * Request signature v2 (docs/deliver.md, "Signature"): an HMAC-SHA256 over the method, the
 * path and query, the timestamp, the record's coordinates headers and the body's SHA-256, sent
 * per key with the key's id so a key can be rotated with two keys valid at once:
 *
 *   x-bridge-signature-v2: <key id>=<lowercase hex>[, <key id>=<lowercase hex>]
 *
 * The string signed, lines joined by "\n":
 *   v2, <timestamp>, <METHOD>, <path?query>, one `name:value` line per signed header (sorted by
 *   name), <lowercase hex SHA-256 of the body>.
 * Signed headers: `idempotency-key` and every `x-kafka-*` header of the request (raw body mode).
 * v1 (`x-bridge-signature`, timestamp and body only) is sent too, with the first key, only on a
 * route that sets `endpoint.signingV1` (a weaker check an endpoint should not fall back to).
 */
export const SIGNATURE_V2_HEADER = 'x-bridge-signature-v2';

export interface SigningKey {
  readonly id: string;
  readonly secret: string;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The keys of a signing secret: a plain string is one key with id `default`; a JSON object
 * `{"keys":[{"id":"2026-12","secret":"..."},{"id":"2026-11","secret":"..."}]}` lists one or two,
 * the first signing v1 too. Errors name the secret, never a key.
 */
export function signingKeys(secretId: string, text: string): SigningKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [{ id: 'default', secret: text }];
  }
  if (typeof parsed !== 'object' || parsed === null || !('keys' in parsed))
    return [{ id: 'default', secret: text }];
  const keys = parsed.keys;
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > 2) {
    throw new SecretError(secretId, 'keys must list one or two {"id","secret"} objects (two while rotating)');
  }
  return keys.map((key: unknown, index) => {
    const { id, secret } = (typeof key === 'object' && key !== null ? key : {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !KEY_ID.test(id)) {
      throw new SecretError(secretId, `keys[${index}].id must be 1-64 letters, digits, '.', '_' or '-'`);
    }
    if (typeof secret !== 'string' || secret.length < 16) {
      throw new SecretError(secretId, `keys[${index}] (id ${id}) needs a secret of at least 16 characters`);
    }
    return { id, secret };
  });
}

export interface SignedRequest {
  readonly method: string;
  /** The request URL (only its path and query are signed). */
  readonly url: string;
  /** The request's headers (names lower-case); the signed ones are picked from them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | string;
}

/** The string v2 signs. */
export function canonicalV2(timestamp: string, request: SignedRequest): string {
  const url = new URL(request.url);
  const signed = Object.entries(request.headers)
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .filter(([name]) => name === 'idempotency-key' || name.startsWith('x-kafka-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}`);
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  return [
    'v2',
    timestamp,
    request.method.toUpperCase(),
    `${url.pathname}${url.search}`,
    ...signed,
    bodyHash,
  ].join('\n');
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/**
 * The signing headers (timestamp, v2 with each key, and with `v1` the legacy v1 header with the
 * first key) for `request` at `nowMs`.
 */
export function signHeaders(
  keys: readonly SigningKey[],
  request: SignedRequest,
  nowMs: number,
  options: { readonly v1: boolean },
): Record<string, string> {
  const [first] = keys;
  if (first === undefined) throw new Error('signHeaders needs a key');
  const timestamp = Math.floor(nowMs / 1000).toString();
  const canonical = canonicalV2(timestamp, request);
  return {
    [TIMESTAMP_HEADER]: timestamp,
    ...(options.v1 ? { [SIGNATURE_HEADER]: signatureOf(first.secret, timestamp, request.body) } : {}),
    [SIGNATURE_V2_HEADER]: keys.map((key) => `${key.id}=${hmacHex(key.secret, canonical)}`).join(', '),
  };
}

/**
 * What an endpoint does: true when one `<key id>=<hex>` of the v2 header is the HMAC, under that
 * id's key in `keys` (the keys the endpoint accepts: two while rotating), of the request it
 * received, and the timestamp is within `toleranceSeconds` of `nowMs`.
 */
export function verifySignatureV2(
  keys: Readonly<Record<string, string>>,
  request: SignedRequest & { readonly timestamp: string; readonly signature: string },
  nowMs: number = Date.now(),
  toleranceSeconds = 300,
): boolean {
  if (!/^\d{1,12}$/.test(request.timestamp)) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - Number(request.timestamp)) > toleranceSeconds) return false;
  const canonical = canonicalV2(request.timestamp, request);
  return request.signature.split(',').some((part) => {
    const [id, hex] = part.trim().split('=', 2);
    if (id === undefined || hex === undefined || !Object.hasOwn(keys, id)) return false;
    const secret = keys[id];
    if (typeof secret !== 'string') return false;
    const expected = Buffer.from(hmacHex(secret, canonical));
    const given = Buffer.from(hex);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
