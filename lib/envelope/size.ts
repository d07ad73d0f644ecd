import { type Envelope, encodeEnvelope, type S3Pointer } from './envelope.ts';
import { EnvelopeError } from './errors.ts';

/**
 * SQS's message size limit in bytes: 1 MiB since August 2025 (FACTS.md). It counts the body
 * and the message attributes (names, types and values) together.
 */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** Bytes of the encoded body: what counts against SQS's message size limit (with the attributes). */
export function envelopeSize(envelope: Envelope): number {
  return Buffer.byteLength(encodeEnvelope(envelope));
}

/** Characters (= bytes in the UTF-8 body) of `byteLength` bytes in padded base64: 4 per 3, rounded up. */
export function base64Length(byteLength: number): number {
  return 4 * Math.ceil(byteLength / 3);
}

/** The shape of an SQS message attribute, as in @aws-sdk/client-sqs's MessageAttributeValue. */
export interface SqsMessageAttribute {
  readonly DataType: string | undefined;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: Uint8Array | undefined;
}

/** Bytes SQS counts for message attributes: each name, data type and value. */
export function messageAttributesSize(attributes: Readonly<Record<string, SqsMessageAttribute>>): number {
  let bytes = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType ?? '');
    if (attribute.StringValue !== undefined) bytes += Buffer.byteLength(attribute.StringValue);
    if (attribute.BinaryValue !== undefined) bytes += attribute.BinaryValue.byteLength;
  }
  return bytes;
}

/**
 * Bytes a message takes apart from its inline value's base64: the body with an empty inline
 * value plus the attributes. Exact, because base64 characters are never escaped in JSON.
 */
export function inlineOverhead(envelope: Omit<Envelope, 'value'>, attributesBytes = 0): number {
  return (
    Buffer.byteLength(encodeEnvelope({ ...envelope, value: { inline: Buffer.alloc(0) } })) + attributesBytes
  );
}

/** Whether a value of `valueBytes` bytes can travel inline, given the rest of the message takes `overheadBytes`. */
export function inlineValueFits(valueBytes: number, overheadBytes: number): boolean {
  return overheadBytes + base64Length(valueBytes) <= SQS_MAX_MESSAGE_BYTES;
}

/**
 * Where a record's value goes when key and headers are known to fit: inline when the whole
 * message fits SQS, else in S3 with a pointer in the message (claim check). A tombstone (no
 * value) is always inline. The poller uses placement, which also handles key and headers too large.
 */
export function valuePlacement(
  envelope: Omit<Envelope, 'value'>,
  value: Uint8Array | null,
  attributesBytes = 0,
): 'inline' | 's3' {
  if (value === null) return 'inline';
  return inlineValueFits(value.byteLength, inlineOverhead(envelope, attributesBytes)) ? 'inline' : 's3';
}

/**
 * Where a record goes: 'inline' when the whole message fits SQS; 's3' (value claim check) when
 * it fits with the value in S3 at `valuePointer`; else 'record': key and headers alone are too
 * large (or nearly so), and the whole record goes to S3 (record claim check), whose envelope
 * holds only the record's coordinates and a pointer, far below the limit. `valuePointer` is the
 * pointer the value would get; only its encoded length matters, so any SHA-256 will do.
 */
export type Placement = 'inline' | 's3' | 'record';

export function placement(
  envelope: Omit<Envelope, 'value'>,
  value: Uint8Array | null,
  valuePointer: S3Pointer,
  attributesBytes = 0,
): Placement {
  if (value === null) {
    return envelopeSize({ ...envelope, value: null }) + attributesBytes <= SQS_MAX_MESSAGE_BYTES
      ? 'inline'
      : 'record';
  }
  if (inlineValueFits(value.byteLength, inlineOverhead(envelope, attributesBytes))) return 'inline';
  return envelopeSize({ ...envelope, value: { s3: valuePointer } }) + attributesBytes <= SQS_MAX_MESSAGE_BYTES
    ? 's3'
    : 'record';
}

/**
 * Throws EnvelopeError when the message does not fit SQS (placement should make that
 * impossible). The message names the record and says how large each part is, for the operator.
 */
export function assertFitsSqs(envelope: Envelope, attributesBytes = 0): void {
  const bodyBytes = envelopeSize(envelope);
  if (bodyBytes + attributesBytes <= SQS_MAX_MESSAGE_BYTES) return;
  const keyBytes = envelope.key?.byteLength ?? 0;
  let headerBytes = 0;
  for (const [name, value] of envelope.headers)
    headerBytes += Buffer.byteLength(name) + (value?.byteLength ?? 0);
  throw new EnvelopeError(
    `message of ${envelope.route}/${envelope.topic}/${envelope.partition}/${envelope.offset} is ${bodyBytes + attributesBytes} bytes, ` +
      `over the SQS limit of ${SQS_MAX_MESSAGE_BYTES} (key ${keyBytes} bytes, headers ${headerBytes} bytes, ` +
      `attributes ${attributesBytes} bytes, before base64)`,
  );
}
