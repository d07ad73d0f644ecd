import { z } from 'zod';

/*
 * The envelope's two optional marks, set by the poller's decode stage (route.decode,
 * docs/decoding.md) and absent on every other route:
 *
 * - `schema`: the record was decoded. The value's bytes (inline or in S3) are then the UTF-8
 *   JSON text of the decoded value, and, when `schema.key` is present (the route decodes keys),
 *   the key's bytes are the JSON text of the decoded key. `schema.value` / `schema.key` say
 *   which registry schema each was written with (null for a tombstone / a record without key).
 * - `deadLetter`: the decode stage found the record can never be decoded. The value and key are
 *   the record's own bytes; the deliverer dead-letters it at once with `reason` and `detail`
 *   (archive, DLQ), without calling the endpoint.
 */

/** Longest `deadLetter.detail` the poller sends: the rest of the message is cut. */
export const DEAD_LETTER_DETAIL_MAX = 1_000;

const schemaRef = z.discriminatedUnion('registry', [
  z.strictObject({ registry: z.literal('confluent'), id: z.int().min(0), format: z.string().min(1) }),
  z.strictObject({
    registry: z.literal('glue'),
    versionId: z.string().min(1),
    version: z.int().min(0).optional(),
    schemaArn: z.string().min(1).optional(),
    format: z.string().min(1),
  }),
]);

const decodedMark = z.strictObject({ value: schemaRef.nullable(), key: schemaRef.nullable().optional() });
const deadLetterMark = z.strictObject({
  reason: z.string().regex(/^[a-z][a-z-]*$/, 'is not a reason (lower-case words joined by -)'),
  detail: z.string().max(DEAD_LETTER_DETAIL_MAX, `is longer than ${DEAD_LETTER_DETAIL_MAX} characters`),
});

/** The schema a decoded key or value was written with (lib/decode's SchemaRef). */
export type SchemaMark = z.output<typeof schemaRef>;
/** `schema.key` is present only when the route decodes keys. */
export type DecodedMark = z.output<typeof decodedMark>;
/** Why the poller's decode stage gave the record up: `schema-not-found` or `deserialization-error`. */
export type DeadLetterMark = z.output<typeof deadLetterMark>;

/** The wire fields of the marks, for the envelope's schema. */
export const markFields = { schema: decodedMark.optional(), deadLetter: deadLetterMark.optional() };

/** The marks as they end the envelope's JSON: `,"schema":{..}` and/or `,"deadLetter":{..}`, or ''. */
export function encodeMarks(
  marks: { readonly schema?: DecodedMark; readonly deadLetter?: DeadLetterMark },
  safeJson: (value: unknown) => string,
): string {
  let text = '';
  if (marks.schema !== undefined) text += `,"schema":${safeJson(marks.schema)}`;
  if (marks.deadLetter !== undefined) text += `,"deadLetter":${safeJson(marks.deadLetter)}`;
  return text;
}

/** The marks of a parsed envelope, leaving out those it does not have. */
export function marksOf(wire: {
  readonly schema?: DecodedMark | undefined;
  readonly deadLetter?: DeadLetterMark | undefined;
}): { schema?: DecodedMark; deadLetter?: DeadLetterMark } {
  return {
    ...(wire.schema === undefined ? {} : { schema: wire.schema }),
    ...(wire.deadLetter === undefined ? {} : { deadLetter: wire.deadLetter }),
  };
}
