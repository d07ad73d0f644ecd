import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The request signature that lets an endpoint check a request comes from the bridge and was not
 * replayed long after (the same scheme as Stripe's and Slack's webhooks):
 *
 *   X-Bridge-Timestamp: <unix time in whole seconds, decimal>
 *   X-Bridge-Signature: v1=<lowercase hex of HMAC-SHA256(key, timestamp + "." + body)>
 *
 * `key` is the route's signing secret (the SecretString, as UTF-8 bytes); `body` is the exact
 * request body bytes. An endpoint recomputes the HMAC over the timestamp header, a '.', and the
 * raw body it received, compares in constant time, and rejects timestamps too far from its clock
 * (5 minutes is usual) so a captured request cannot be replayed later. `v1` names the scheme,
 * so a later one can be sent alongside during a migration.
 */
export const TIMESTAMP_HEADER = 'x-bridge-timestamp';
export const SIGNATURE_HEADER = 'x-bridge-signature';
export const SIGNATURE_VERSION = 'v1';

export function signatureOf(key: string, timestamp: string, body: Uint8Array | string): string {
  const hmac = createHmac('sha256', key);
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return `${SIGNATURE_VERSION}=${hmac.digest('hex')}`;
}

/** The two signing headers for `body` at `nowMs`. */
export function signRequest(key: string, body: Uint8Array | string, nowMs: number): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000).toString();
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signatureOf(key, timestamp, body) };
}

/**
 * What an endpoint does: true when `signature` is the v1 signature of `timestamp.body` and the
 * timestamp is within `toleranceSeconds` of `nowMs`. Provided for endpoints written in
 * TypeScript and for tests; the docs describe it for any language.
 */
export function verifySignature(
  key: string,
  timestamp: string,
  body: Uint8Array | string,
  signature: string,
  nowMs: number = Date.now(),
  toleranceSeconds = 300,
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureOf(key, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
