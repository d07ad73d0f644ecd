import { createHash } from 'node:crypto';
import { z } from 'zod';
import { jsonSyntaxError, jsonSyntaxProblem } from '../errors.ts';
import { EnvelopeError } from './errors.ts';
import { type DeadLetterMark, type DecodedMark, encodeMarks, markFields, marksOf } from './marks.ts';
import { isKafkaTopic, isOffset, isPartition, isRouteName, type RecordRef } from './record-id.ts';

/**
 * The SQS message body the poller writes and the deliverer reads: one Kafka record, as JSON.
 *
 * ```json
 * {
 *   "v": 1,
 *   "route": "orders", "topic": "orders", "partition": 3,
 *   "offset": "1042", "from": "1040", "timestamp": "1763884800000",
 *   "key": "b3JkZXItNzc=",
 *   "headers": [["trace-id", "YWJj"], ["retry", null], ["trace-id", "ZGVm"]],
 *   "value": { "inline": "eyJpZCI6Nzd9" }
 * }
 * ```
 *
 * - `v`: the contract version; a reader rejects versions it does not know rather than guess.
 * - `offset`, `from`, `timestamp`: decimal strings (int64 does not fit a JS number).
 *   `from` is the partition position before this record (docs/architecture.md I4): the previous forwarded
 *   offset + 1, or the start position; `from <= offset`, and they differ across offset gaps.
 *   `timestamp` is Kafka's record timestamp in ms since the epoch, "-1" when the record has none.
 * - `key`: standard base64 of the key's bytes, `null` for a record without key (an empty key is "").
 * - `headers`: `[name, base64 value or null]` in record order; Kafka header names may repeat,
 *   and header values are bytes (often not UTF-8), so a list of pairs, not an object.
 * - `value`: `{ "inline": base64 }`; or a claim check `{ "s3": { bucket, key, size, sha256 } }`
 *   when the value does not fit SQS (see size.ts), `sha256` being the base64 SHA-256 of the
 *   object, the same form as S3's ChecksumSHA256 so the deliverer can verify what it fetched;
 *   or `null` for a tombstone (delete marker of compacted topics);
 *   or a record claim check `{ "record": { bucket, key, size, sha256 } }` when even with the
 *   value in S3 the key and headers do not fit SQS: the whole record (key, headers, value) is
 *   then one S3 object (encodeRecordObject), and the envelope's own `key` is `null` and its
 *   `headers` `[]` (checked both ways). Readers resolve such an envelope with resolveRecord
 *   before using its key, headers or value; the message group and deduplication ids are still
 *   computed by the poller from the real key and record.
 *
 * - `schema`, `deadLetter`: optional marks of a route that decodes (route.decode); marks.ts says
 *   what each means. Absent on every other route.
 *
 * Binary fields are base64 rather than text so every byte survives exactly; readable fields
 * stay readable in the SQS console and the DLQ.
 */
export const ENVELOPE_VERSION = 1;

/** Where the value is: in the message, or in S3 (claim check). */
export interface S3Pointer {
  readonly bucket: string;
  readonly key: string;
  /** Object size in bytes. */
  readonly size: number;
  /** Base64 (standard, padded) SHA-256 of the object, as S3's ChecksumSHA256 reports it. */
  readonly sha256: string;
}

/**
 * Where the value is: inline; in S3 (value claim check); the whole record in S3 (record claim
 * check: key and headers too, see resolveRecord); or null for a tombstone.
 */
export type EnvelopeValue =
  | { readonly inline: Buffer }
  | { readonly s3: S3Pointer }
  | { readonly record: S3Pointer }
  | null;

/** What a record claim check's S3 object holds: the parts of the record the envelope leaves out. */
export interface RecordContent {
  readonly key: Buffer | null;
  readonly headers: readonly KafkaHeader[];
  /** The value's bytes; null for a tombstone. */
  readonly value: Buffer | null;
}

/** A Kafka header: names may repeat; a value may be null (Kafka allows it). */
export type KafkaHeader = readonly [name: string, value: Buffer | null];

export interface Envelope extends RecordRef {
  /** The partition position before this record (docs/architecture.md I4), decimal int64 <= offset. */
  readonly from: string;
  /** Kafka record timestamp, ms since the epoch as a decimal string; "-1" when absent. */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly headers: readonly KafkaHeader[];
  readonly value: EnvelopeValue;
  /** The poller decoded the record: value (and key, with `schema.key`) bytes are JSON text (marks.ts). */
  readonly schema?: DecodedMark;
  /** The poller's decode stage gave the record up: the deliverer dead-letters it uncalled (marks.ts). */
  readonly deadLetter?: DeadLetterMark;
}

// ---- the schema: field rules shared by encoding (checks) and decoding (checks + parse) ----

const MAX_INT64 = 9_223_372_036_854_775_807n;

function isTimestamp(text: string): boolean {
  return /^(?:-1|0|[1-9]\d{0,18})$/.test(text) && BigInt(text) <= MAX_INT64;
}

/** Standard padded base64, canonical (one spelling per byte string), decoded to bytes. */
const base64Bytes = z.string().transform((text, ctx) => {
  const bytes = Buffer.from(text, 'base64');
  // Node's decoder skips characters outside the alphabet; re-encoding catches that, missing
  // padding and non-zero trailing bits, which would otherwise silently change the bytes.
  if (bytes.toString('base64') !== text) {
    ctx.issues.push({
      code: 'custom',
      message: 'is not canonical base64 (standard alphabet, padded)',
      input: text,
    });
    return z.NEVER;
  }
  return bytes;
});

const offsetField = z
  .string()
  .refine(isOffset, 'is not a decimal int64 offset (0 or more, no leading zeros)');

/** Fields that are the same in memory and on the wire. */
const plainFields = {
  route: z.string().refine(isRouteName, 'is not a route name (non-empty visible ASCII)'),
  topic: z.string().refine(isKafkaTopic, 'is not a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -)'),
  partition: z.number().refine(isPartition, 'is not a partition number (integer 0 to 2147483647)'),
  offset: offsetField,
  from: offsetField,
  timestamp: z.string().refine(isTimestamp, 'is not a timestamp (decimal ms since the epoch, or -1)'),
};

const s3PointerFields = {
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'is not an S3 bucket name'),
  key: z
    .string()
    .min(1, 'is empty')
    .refine((key) => Buffer.byteLength(key) <= 1024, 'is longer than 1024 bytes'),
  size: z.number().refine((n) => Number.isSafeInteger(n) && n >= 0, 'is not a byte count'),
  // 32 bytes in padded base64: 43 characters, the last with its 2 low bits zero, then '='.
  sha256: z.string().regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, 'is not a base64 SHA-256'),
};

/** `from` after `offset` would let the commit pass a record that is not finished. */
function fromNotAfterOffset(fields: { offset: string; from: string }): boolean {
  return !isOffset(fields.offset) || !isOffset(fields.from) || BigInt(fields.from) <= BigInt(fields.offset);
}
const FROM_AFTER_OFFSET = {
  message: 'is after offset (it must be the position before the record)',
  path: ['from'],
};

/**
 * A record claim check carries key and headers in S3 only: a `key` or `headers` beside it would
 * be a second, possibly different copy that some reader might use instead of the real one.
 */
function recordClaimIsBare(fields: { key: unknown; headers: readonly unknown[]; value: unknown }): boolean {
  const value = fields.value as { record?: unknown } | null;
  return value?.record === undefined || (fields.key === null && fields.headers.length === 0);
}
const RECORD_CLAIM_NOT_BARE_MESSAGE =
  'must be null with headers [] when the value is a record claim check (they are in S3)';
// A function, as zod takes over the options object it is given.
const recordClaimNotBare = () => ({ message: RECORD_CLAIM_NOT_BARE_MESSAGE, path: ['key'] });

const wireSchema = z
  .strictObject({
    v: z.literal(ENVELOPE_VERSION),
    ...plainFields,
    key: base64Bytes.nullable(),
    headers: z.array(z.tuple([z.string(), base64Bytes.nullable()])),
    // Exactly one of inline/s3/record, checked below: one object schema gives errors with a
    // precise path (value.s3.size), where a union would only say "no variant matched".
    value: z
      .strictObject({
        inline: base64Bytes.optional(),
        s3: z.strictObject(s3PointerFields).optional(),
        record: z.strictObject(s3PointerFields).optional(),
      })
      .refine(
        (value) => [value.inline, value.s3, value.record].filter((part) => part !== undefined).length === 1,
        'must have exactly one of inline, s3, record',
      )
      .nullable(),
    ...markFields,
  })
  .refine(fromNotAfterOffset, FROM_AFTER_OFFSET)
  .refine(recordClaimIsBare, recordClaimNotBare());

const encodablePointerSchema = z.object(s3PointerFields);

/** What encoding checks: everything but the bytes, which are always representable. */
const encodableSchema = z
  .object({ ...plainFields, headers: z.array(z.tuple([z.string(), z.unknown()])) })
  .refine(fromNotAfterOffset, FROM_AFTER_OFFSET);

// ---- errors ----

/** `value.s3.size`, `headers[2][1]`: the path as an operator would write it. */
function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  }
  return text;
}

function describeIssue(issue: z.core.$ZodIssue, base: readonly PropertyKey[]): string {
  let problem = issue.message;
  // Only with `reportInput` does an issue carry its input; then undefined means absent.
  if (issue.code === 'invalid_type' && issue.input === undefined) problem = 'is missing';
  if (issue.code === 'unrecognized_keys') {
    problem = `has unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
  }
  const path = formatPath([...base, ...issue.path]);
  return path === '' ? problem : `${path}: ${problem}`;
}

function describeIssues(error: z.ZodError, base: readonly PropertyKey[] = []): string {
  const shown = error.issues.slice(0, 3).map((issue) => describeIssue(issue, base));
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

// ---- encoding ----

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The s3 pointer's contract fields; a caller's pointer object may carry more (an ETag), which is not sent. */
function wirePointer(pointer: S3Pointer, field: 's3' | 'record'): S3Pointer {
  const checked = encodablePointerSchema.safeParse(pointer);
  if (!checked.success)
    throw new EnvelopeError(`cannot encode envelope: ${describeIssues(checked.error, ['value', field])}`);
  const { bucket, key, size, sha256 } = checked.data;
  return { bucket, key, size, sha256 };
}

/**
 * The same checks as encodableSchema, without zod: the poller encodes every record it forwards,
 * and these plain predicates cost a fraction of a schema parse. Never more lenient than the
 * schema: when this says no, the schema runs to say why (and is the only judge).
 */
function plainlyEncodable(envelope: Envelope): boolean {
  const { route, topic, partition, offset, from, timestamp, headers } = envelope;
  return (
    typeof route === 'string' &&
    isRouteName(route) &&
    typeof topic === 'string' &&
    isKafkaTopic(topic) &&
    typeof partition === 'number' &&
    isPartition(partition) &&
    typeof offset === 'string' &&
    isOffset(offset) &&
    typeof from === 'string' &&
    isOffset(from) &&
    BigInt(from) <= BigInt(offset) &&
    typeof timestamp === 'string' &&
    isTimestamp(timestamp) &&
    Array.isArray(headers) &&
    headers.every((header) => Array.isArray(header) && header.length === 2 && typeof header[0] === 'string')
  );
}

/**
 * SQS refuses U+FFFE and U+FFFF in bodies; JSON.stringify already escapes control characters
 * and lone surrogates, so escaping these two makes any header name or S3 key sendable.
 */
function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * The SQS message body for `envelope`. Throws EnvelopeError when a field breaks the contract,
 * so a record the deliverer would reject is never sent.
 *
 * Written piece by piece rather than with one JSON.stringify of the whole: the value's base64
 * (most of the body) needs no escaping and is put in as it is, so a 64 KiB value is not
 * scanned again by JSON.stringify and the U+FFFE/U+FFFF escape (docs/benchmarks.md, poller).
 * The text is the same as JSON.stringify's, field order included.
 */
export function encodeEnvelope(envelope: Envelope): string {
  return envelopeSegments(envelope).join('');
}

/**
 * The SQS message body for `envelope` (encodeEnvelope's text) and that body as a JSON string
 * literal, the same text as JSON.stringify(body): for a request that carries the body inside
 * its own JSON (the poller's SendMessageBatch), so the body is never escaped as a whole
 * (docs/benchmarks.md, poller). The body holds no control character and no lone surrogate
 * (JSON.stringify escaped those in every string field; base64, digits and the fixed names have
 * none), so escaping `\` and `"` is all JSON.stringify would do; and the base64 of the key and
 * the inline value (most of the body) hold neither, so only the JSON between them is escaped.
 * `bytes` is the body's UTF-8 length, counted by piece: the two texts share the base64 pieces,
 * and measuring the body as a whole would copy it into one string of its own (twice the memory
 * per message waiting to be sent).
 */
export function encodeEnvelopeText(envelope: Envelope): {
  readonly body: string;
  readonly bodyJson: string;
  readonly bytes: number;
} {
  const [head, key, middle, value, tail] = envelopeSegments(envelope);
  return {
    body: `${head}${key}${middle}${value}${tail}`,
    bodyJson: `"${escapeJsonText(head)}${key}${escapeJsonText(middle)}${value}${escapeJsonText(tail)}"`,
    // base64 is ASCII: one byte per character.
    bytes:
      Buffer.byteLength(head) +
      key.length +
      Buffer.byteLength(middle) +
      value.length +
      Buffer.byteLength(tail),
  };
}

/** `\` and `"` escaped, as in a JSON string literal (for text without control characters or lone surrogates). */
function escapeJsonText(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
}

/**
 * The envelope's JSON text in five segments, JSON and base64 alternating: JSON up to the key's
 * base64, the key's base64 (or ''), JSON up to the inline value's base64, its base64 (or ''),
 * the rest. The base64 segments hold no `"` or `\` (its alphabet is A-Z a-z 0-9 + / =).
 */
function envelopeSegments(envelope: Envelope): [string, string, string, string, string] {
  if (!plainlyEncodable(envelope)) {
    const checked = encodableSchema.safeParse(envelope);
    if (!checked.success) throw new EnvelopeError(`cannot encode envelope: ${describeIssues(checked.error)}`);
  }
  const { value } = envelope;
  let wireValue: string;
  let inline: string | undefined;
  if (value === null) wireValue = 'null';
  else if ('inline' in value) {
    wireValue = '{"inline":"';
    inline = base64(value.inline);
  } else if ('s3' in value) wireValue = `{"s3":${sqsSafeJson(wirePointer(value.s3, 's3'))}}`;
  else {
    if (envelope.key !== null || envelope.headers.length > 0) {
      throw new EnvelopeError(`cannot encode envelope: key: ${RECORD_CLAIM_NOT_BARE_MESSAGE}`);
    }
    wireValue = `{"record":${sqsSafeJson(wirePointer(value.record, 'record'))}}`;
  }
  const headers =
    envelope.headers.length === 0
      ? '[]'
      : sqsSafeJson(envelope.headers.map(([name, bytes]) => [name, bytes === null ? null : base64(bytes)]));
  const key = envelope.key === null ? null : base64(envelope.key);
  // Route and topic are visible ASCII (checked above) and offsets and timestamp are digits, so
  // JSON.stringify of the first two is all the escaping they need, and the rest needs none.
  return [
    `{"v":${ENVELOPE_VERSION},"route":${JSON.stringify(envelope.route)},"topic":${JSON.stringify(envelope.topic)},` +
      `"partition":${envelope.partition},"offset":"${envelope.offset}","from":"${envelope.from}",` +
      `"timestamp":"${envelope.timestamp}","key":${key === null ? 'null' : '"'}`,
    key ?? '',
    `${key === null ? '' : '"'},"headers":${headers},"value":${wireValue}`,
    inline ?? '',
    `${inline === undefined ? '' : '"}'}${encodeMarks(envelope, sqsSafeJson)}}`,
  ];
}

// ---- decoding ----

/**
 * The envelope in an SQS message body. Throws EnvelopeError naming the problem (not JSON, an
 * unsupported version, the path of each missing or invalid field); the deliverer dead-letters
 * such a message with that message as the reason.
 */
export function decodeEnvelope(body: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new EnvelopeError(`envelope is not JSON: ${jsonSyntaxProblem(error)}`, {
      cause: jsonSyntaxError(error),
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const got = json === null ? 'null' : Array.isArray(json) ? 'an array' : `a ${typeof json}`;
    throw new EnvelopeError(`envelope is not a JSON object (got ${got})`);
  }
  // The version decides how to read the rest, so it is checked first and reported alone.
  const version = (json as { v?: unknown }).v;
  if (version === undefined) throw new EnvelopeError('envelope has no version (field v)');
  if (version !== ENVELOPE_VERSION) {
    throw new EnvelopeError(
      `envelope version ${JSON.stringify(version)} is not supported (this reader knows version ${ENVELOPE_VERSION})`,
    );
  }
  const parsed = wireSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) throw new EnvelopeError(`envelope is invalid: ${describeIssues(parsed.error)}`);
  const wire = parsed.data;
  let value: EnvelopeValue = null;
  if (wire.value?.inline !== undefined) value = { inline: wire.value.inline };
  else if (wire.value?.s3 !== undefined) value = { s3: wire.value.s3 };
  else if (wire.value?.record !== undefined) value = { record: wire.value.record };
  return {
    route: wire.route,
    topic: wire.topic,
    partition: wire.partition,
    offset: wire.offset,
    from: wire.from,
    timestamp: wire.timestamp,
    key: wire.key,
    headers: wire.headers,
    value,
    ...marksOf(wire),
  };
}

// ---- claim checks ----

/**
 * Why `bytes` are not the object `pointer` describes (size, then SHA-256), or undefined when
 * they are: a truncated or replaced object is never delivered, shown or restored.
 */
export function claimCheckProblem(bytes: Uint8Array, pointer: S3Pointer): string | undefined {
  const where = `claim check s3://${pointer.bucket}/${pointer.key}`;
  if (bytes.byteLength !== pointer.size) {
    return `${where} is ${bytes.byteLength} bytes, the envelope says ${pointer.size}`;
  }
  const actual = createHash('sha256').update(bytes).digest('base64');
  if (actual !== pointer.sha256) return `${where} has SHA-256 ${actual}, the envelope says ${pointer.sha256}`;
  return undefined;
}

/** Version of the record object's layout: a reader rejects one it does not know. */
const RECORD_OBJECT_VERSION = 1;

const recordObjectSchema = z.strictObject({
  v: z.literal(RECORD_OBJECT_VERSION),
  key: base64Bytes.nullable(),
  headers: z.array(z.tuple([z.string(), base64Bytes.nullable()])),
  value: base64Bytes.nullable(),
});

/**
 * The S3 object of a record claim check: `{"v":1,"key":..,"headers":..,"value":..}`, the
 * fields spelled as in the envelope (base64, null for absent). Deterministic, so forwarding the
 * record again writes the same bytes with the same SHA-256.
 */
export function encodeRecordObject(content: RecordContent): Buffer {
  const headers = content.headers.map(([name, bytes]) => [name, bytes === null ? null : base64(bytes)]);
  return Buffer.from(
    JSON.stringify({
      v: RECORD_OBJECT_VERSION,
      key: content.key === null ? null : base64(content.key),
      headers,
      value: content.value === null ? null : base64(content.value),
    }),
  );
}

/**
 * The record in a record claim check's object (already checked against the pointer's size and
 * SHA-256). Throws EnvelopeError naming the problem: the record cannot be delivered from it.
 */
export function decodeRecordObject(bytes: Uint8Array, where: string): RecordContent {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw new EnvelopeError(`record claim check ${where} is not JSON: ${jsonSyntaxProblem(error)}`, {
      cause: jsonSyntaxError(error),
    });
  }
  const parsed = recordObjectSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new EnvelopeError(`record claim check ${where} is invalid: ${describeIssues(parsed.error)}`);
  }
  return { key: parsed.data.key, headers: parsed.data.headers, value: parsed.data.value };
}

/**
 * The envelope of a record claim check as the record really was: key, headers and value
 * (inline, or null for a tombstone) from its S3 object's `content`.
 */
export function resolveRecord(envelope: Envelope, content: RecordContent): Envelope {
  return {
    ...envelope,
    key: content.key,
    headers: content.headers,
    value: content.value === null ? null : { inline: content.value },
  };
}
