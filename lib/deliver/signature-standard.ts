import { createHmac } from 'node:crypto';
import { SecretError } from '../aws/secrets.ts';
import type { SigningKey } from './signature-v2.ts';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, docs/deliver.md "Signature"),
 * which endpoint teams verify with the ready `standardwebhooks` library of their language:
 *
 *   webhook-id: <the record's idempotency key, the same on every retry>
 *   webhook-timestamp: <unix time, whole seconds>
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>[ v1,<...>]
 *
 * `key` is the base64 part of a `whsec_` secret, decoded. While a key rotates, both keys sign
 * and the header lists both signatures, space-separated, as the specification says.
 */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** The specification's secret size: 24 to 64 random bytes. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** The decoded keys of `keys` (each secret a `whsec_<base64>`), checked without quoting them. */
export function standardWebhookKeys(secretId: string, keys: readonly SigningKey[]): Buffer[] {
  return keys.map((key, index) => {
    const where = keys.length === 1 && key.id === 'default' ? 'the secret' : `keys[${index}] (id ${key.id})`;
    if (!key.secret.startsWith(PREFIX) || !BASE64.test(key.secret.slice(PREFIX.length))) {
      throw new SecretError(
        secretId,
        `${where} must be whsec_ followed by base64 (a Standard Webhooks secret)`,
      );
    }
    const bytes = Buffer.from(key.secret.slice(PREFIX.length), 'base64');
    if (bytes.length < MIN_KEY_BYTES || bytes.length > MAX_KEY_BYTES) {
      throw new SecretError(
        secretId,
        `${where} must hold ${MIN_KEY_BYTES}-${MAX_KEY_BYTES} random bytes after whsec_ (it holds ${bytes.length})`,
      );
    }
    return bytes;
  });
}

/** The three Standard Webhooks headers for `body`, sent as message `id` at `nowMs`. */
export function standardWebhookHeaders(
  keys: readonly Buffer[],
  id: string,
  body: Uint8Array | string,
  nowMs: number,
): Record<string, string> {
  if (keys.length === 0) throw new Error('standardWebhookHeaders needs a key');
  const timestamp = Math.floor(nowMs / 1000).toString();
  const signatures = keys.map((key) => {
    const hmac = createHmac('sha256', key);
    hmac.update(`${id}.${timestamp}.`);
    hmac.update(body);
    return `v1,${hmac.digest('base64')}`;
  });
  return {
    [WEBHOOK_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
    [WEBHOOK_SIGNATURE_HEADER]: signatures.join(' '),
  };
}
