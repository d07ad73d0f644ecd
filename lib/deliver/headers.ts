import { SecretError, type SecretReader } from '../aws/secrets.ts';

// RFC 9110: a field name is a token; a field value is visible ASCII, space, tab and obs-text
// (0x80-0xFF). fetch's Headers take byte strings, so nothing above 0xFF either.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The route's `headersSecret` as request headers, each name and value checked as soon as the
 * secret is read. A bad one is a SecretError naming the secret and the field, never the value:
 * left to fetch, it becomes a TypeError quoting the value, which would reach logs, the attempt
 * log, the archive and the DLQ attribute.
 */
export async function secretHeaders(secrets: SecretReader, secret: string): Promise<Record<string, string>> {
  const map = await secrets.stringMap(secret);
  let position = 0;
  for (const [name, value] of Object.entries(map)) {
    position += 1;
    // A bad name is shown by position only: it may be a value pasted in the wrong place.
    if (!TOKEN.test(name))
      throw new SecretError(secret, `field #${position}'s name is not a valid header name`);
    if (!FIELD_VALUE.test(value)) {
      throw new SecretError(
        secret,
        `the value of header ${name} holds a character a header cannot carry (a control character such as NUL, CR or LF, or one above U+00FF)`,
      );
    }
  }
  // The signing headers of every scheme are the bridge's alone: a route that does not send one
  // (v1 off, another scheme) must not send a forged or stale one from the secret either.
  return Object.fromEntries(Object.entries(map).filter(([name]) => !isSignatureHeader(name)));
}

/** `x-bridge-*` and `webhook-*` (Standard Webhooks) headers, any case. */
export function isSignatureHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('x-bridge-') || lower.startsWith('webhook-');
}

/**
 * Request headers from several sources, later ones winning, compared by lower-cased name (HTTP
 * names are case-insensitive: `Idempotency-Key` and `idempotency-key` are one header, and fetch
 * would join both values). The result's names are lower-case.
 */
export function mergeHeaders(
  ...sources: readonly Readonly<Record<string, string>>[]
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const source of sources) {
    for (const [name, value] of Object.entries(source)) merged[name.toLowerCase()] = value;
  }
  return merged;
}

export const REDACTED = '[redacted]';
/** Shorter values are not searched for: they would blank out ordinary words, and guard nothing. */
const MIN_REDACTED_LENGTH = 4;

/**
 * Text from the endpoint (an answer excerpt) with every value of the route's secret headers
 * replaced: an endpoint that echoes the request's headers would otherwise put the credentials in
 * the archive, the attempt log, the DLQ attribute and Discord. Values are matched as sent and as
 * JSON would escape them, and a value cut by the excerpt's end is removed too.
 */
export function redactSecretValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) {
    if (value.length < MIN_REDACTED_LENGTH) continue;
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)]))
      out = out.replaceAll(form, REDACTED);
    for (let keep = value.length - 1; keep >= MIN_REDACTED_LENGTH; keep--) {
      if (out.endsWith(value.slice(0, keep))) {
        out = `${out.slice(0, -keep)}${REDACTED}`;
        break;
      }
    }
  }
  return out;
}
