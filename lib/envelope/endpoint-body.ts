import { type Envelope, encodeEnvelope } from './envelope.ts';

/**
 * The envelope JSON an endpoint receives (body `envelope`, and a Lambda target's payload): the
 * record with its value inline (`payload`, read from S3 for a claim check).
 *
 * A decoded record (`schema` mark, marks.ts) has its value as JSON, `"value": {"json": ...}`,
 * instead of base64 bytes, and, when the route decodes keys, its key likewise,
 * `"key": {"json": ...}` (null for a record without key). Everything else is as in SQS.
 */
export function endpointBody(envelope: Envelope, payload: Buffer | null): string {
  const inline: Envelope = { ...envelope, value: payload === null ? null : { inline: payload } };
  if (envelope.schema === undefined) return encodeEnvelope(inline);
  const decodesKey = envelope.schema.key !== undefined && envelope.key !== null;
  const wire = JSON.parse(encodeEnvelope({ ...inline, key: decodesKey ? null : inline.key, value: null }));
  if (payload !== null) wire.value = { json: jsonOf(payload) };
  if (decodesKey && envelope.key !== null) wire.key = { json: jsonOf(envelope.key) };
  return JSON.stringify(wire);
}

function jsonOf(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8'));
}
