// Verifies a kafka-endpoint-bridge request signature v2 (docs/deliver.md, "Signature") in an
// endpoint written in TypeScript, with node:crypto only. `keys`: {key id: secret}, the keys you
// accept (two while the bridge rotates); `headers`: as received (any name case); `body`: the raw
// body bytes, before any JSON parsing.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const TOLERANCE_SECONDS = 300;

export function verifyBridgeRequest(
  keys: Readonly<Record<string, string>>,
  method: string,
  pathAndQuery: string,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  nowSeconds: number = Date.now() / 1000,
): boolean {
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const timestamp = lower['x-bridge-timestamp'] ?? '';
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(nowSeconds) - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const signed = Object.entries(lower)
    .filter(([name]) => name === 'idempotency-key' || name.startsWith('x-kafka-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}`);
  const text = [
    'v2',
    timestamp,
    method.toUpperCase(),
    pathAndQuery,
    ...signed,
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  return (lower['x-bridge-signature-v2'] ?? '').split(',').some((part) => {
    const [id = '', given = ''] = part.trim().split('=', 2);
    if (!Object.hasOwn(keys, id)) return false;
    const expected = Buffer.from(
      createHmac('sha256', keys[id] ?? '')
        .update(text)
        .digest('hex'),
    );
    return expected.length === given.length && timingSafeEqual(expected, Buffer.from(given));
  });
}
