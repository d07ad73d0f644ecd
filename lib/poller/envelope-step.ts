/**
 * The envelope step of the forwarding pipeline: one record to the SQS message that carries it.
 * Its value goes to S3 first when it does not fit SQS (value claim check); when key and headers
 * alone leave no room, the whole record does (record claim check), so no record is too large to
 * forward. Group and deduplication ids come from the real key and coordinates either way, so
 * per-key order holds. Synchronous for a record that fits SQS (nearly all of them). A decoded
 * record (route.decode) carries its value (and key) as JSON text with a `schema` mark; one the
 * decode stage gave up carries its own bytes and a `deadLetter` mark (lib/envelope/marks.ts).
 */
import type { KafkaMessage } from 'kafkajs';
import type { Route } from '../config/index.ts';
import {
  DEAD_LETTER_DETAIL_MAX,
  deduplicationId,
  type Envelope,
  encodeEnvelopeText,
  encodeRecordObject,
  type KafkaHeader,
  messageGroupId,
  placement,
  type RecordRef,
  type S3Pointer,
} from '../envelope/index.ts';
import { type BackoffPolicy, backoffMs } from '../retry/index.ts';
import type { SendControl } from './batch-sender.ts';
import type { ClaimKind, PayloadStore } from './claim-check.ts';
import { PollerError, SupersededError } from './errors.ts';
import { messageOf, type PollerLog } from './owned.ts';
import type { OutgoingMessage } from './send-plan.ts';
import type { DecodedRecord } from './stages.ts';

const STORE_TRANSIENT: BackoffPolicy = { baseMs: 100, maxMs: 5_000, jitter: 'full' };
const STORE_PERMANENT: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, jitter: 'full' };

/** Bytes of key, headers and value below which a message fits SQS whatever its envelope fields. */
const CLEARLY_FITS_BYTES = 512 * 1024;

/** A well-formed SHA-256 in base64 standing in for one not computed yet (only its length matters). */
const PLACEHOLDER_SHA256 = `${'A'.repeat(43)}=`;

/** kafkajs headers (an object; repeated names become arrays) as the envelope's list of pairs. */
export function envelopeHeaders(message: KafkaMessage): KafkaHeader[] {
  const headers: KafkaHeader[] = [];
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      headers.push([name, value === undefined || value === null ? null : Buffer.from(value)]);
    }
  }
  return headers;
}

/**
 * A cheap bound that spares most records the exact size check (which encodes the envelope a
 * second time): base64 grows bytes by 4/3, so 512 KiB of key, headers and value take at most
 * 683 KiB, and the envelope's other fields (ids, offsets, names, a decode mark of at most
 * DEAD_LETTER_DETAIL_MAX characters) stay far below the rest of 1 MiB.
 */
function clearlyFits(content: Content, headers: readonly KafkaHeader[]): boolean {
  let bytes = (content.key?.byteLength ?? 0) + (content.value?.byteLength ?? 0);
  for (const [name, value] of headers) bytes += Buffer.byteLength(name) * 6 + (value?.byteLength ?? 0);
  return bytes <= CLEARLY_FITS_BYTES;
}

/** The key and value bytes the envelope carries: the record's own, or their decoded JSON text. */
interface Content {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A decoded record's content and envelope marks (route.decode, lib/envelope/marks.ts); others' as read. */
function contentOf(record: DecodedRecord): {
  content: Content;
  marks: Pick<Envelope, 'schema' | 'deadLetter'>;
} {
  const { message, decoded, deadLetter } = record;
  if (deadLetter !== undefined) {
    const detail = deadLetter.message.slice(0, DEAD_LETTER_DETAIL_MAX);
    return { content: message, marks: { deadLetter: { reason: deadLetter.reason, detail } } };
  }
  if (decoded === undefined) return { content: message, marks: {} };
  const value = decoded.value === null ? null : jsonBytes(decoded.value);
  if (!('key' in decoded))
    return { content: { key: message.key, value }, marks: { schema: { value: decoded.schema ?? null } } };
  const key = decoded.key === null || decoded.key === undefined ? null : jsonBytes(decoded.key);
  return {
    content: { key, value },
    marks: { schema: { value: decoded.schema ?? null, key: decoded.keySchema ?? null } },
  };
}

export interface EnvelopeStepOptions {
  readonly route: Route;
  /** Where values too large for SQS go; a record that needs it fails loudly when undefined. */
  readonly payloads: PayloadStore | undefined;
  readonly log: PollerLog;
}

export class EnvelopeStep {
  readonly #o: EnvelopeStepOptions;

  constructor(options: EnvelopeStepOptions) {
    this.#o = options;
  }

  /** The SQS message of `record`, whose `from` (I4) is given; a promise only when a claim check is stored. */
  prepare(
    record: DecodedRecord,
    from: bigint,
    control: SendControl,
  ): OutgoingMessage | Promise<OutgoingMessage> {
    const { message, topic, partition, offset } = record;
    // A decoded record carries its JSON; one the decode stage gave up, a dead-letter mark.
    const ref: RecordRef = { route: this.#o.route.name, topic, partition, offset: offset.toString() };
    const { content, marks } =
      record.decoded === undefined && record.deadLetter === undefined
        ? { content: message, marks: undefined }
        : contentOf(record);
    const head: Omit<Envelope, 'value'> = {
      ...ref,
      from: from.toString(),
      timestamp: message.timestamp === '' ? '-1' : message.timestamp,
      key: content.key,
      headers: envelopeHeaders(message),
      ...marks,
    };
    if (clearlyFits(content, head.headers)) {
      return this.#outgoing(ref, record, from, {
        ...head,
        value: content.value === null ? null : { inline: content.value },
      });
    }
    return this.#claimChecked(ref, record, content, from, head, control);
  }

  async #claimChecked(
    ref: RecordRef,
    record: DecodedRecord,
    content: Content,
    from: bigint,
    head: Omit<Envelope, 'value'>,
    control: SendControl,
  ): Promise<OutgoingMessage> {
    const store = this.#o.payloads;
    // Only the pointer's length counts: the SHA-256's base64 is always 44 characters.
    const valuePointer: S3Pointer = {
      bucket: store?.bucket ?? 'unconfigured',
      key: store?.objectKey(ref) ?? 'unconfigured',
      size: content.value?.byteLength ?? 0,
      sha256: PLACEHOLDER_SHA256,
    };
    const where = placement(head, content.value, valuePointer);
    if (where !== 'inline' && store === undefined) {
      throw new PollerError(
        this.#o.route.name,
        `${ref.topic}/${ref.partition}/${ref.offset}: the record (value ${content.value?.byteLength ?? 0} bytes, key ${content.key?.byteLength ?? 0} bytes, ${head.headers.length} headers) does not fit SQS and no payload bucket is configured`,
      );
    }
    let envelope: Envelope = { ...head, value: content.value === null ? null : { inline: content.value } };
    if (where === 's3' && store !== undefined && content.value !== null) {
      envelope = { ...head, value: { s3: await this.#store(store, ref, content.value, 'value', control) } };
    } else if (where === 'record' && store !== undefined) {
      const object = encodeRecordObject({ key: head.key, headers: head.headers, value: content.value });
      const pointer = await this.#store(store, ref, object, 'record', control);
      envelope = { ...head, key: null, headers: [], value: { record: pointer } };
    }
    return this.#outgoing(ref, record, from, envelope);
  }

  #outgoing(ref: RecordRef, record: DecodedRecord, from: bigint, envelope: Envelope): OutgoingMessage {
    const { body, bodyJson, bytes } = encodeEnvelopeText(envelope);
    return {
      id: ref.offset,
      groupId: messageGroupId({
        key: record.message.key,
        partition: ref.partition,
        offset: ref.offset,
        ordering: this.#o.route.ordering,
      }),
      deduplicationId: deduplicationId(ref),
      body,
      bodyJson,
      bytes,
      offset: record.offset,
      from,
      record: `${ref.route}/${ref.topic}/${ref.partition}/${ref.offset}`,
    };
  }

  /** Stores a claim check in S3, retrying like a send: the record cannot be skipped, so it waits. */
  async #store(
    store: PayloadStore,
    ref: RecordRef,
    bytes: Buffer,
    kind: ClaimKind,
    control: SendControl,
  ): Promise<S3Pointer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await store.put(ref, bytes, control.signal, kind);
      } catch (error) {
        if (!control.isCurrent() || control.signal?.aborted) throw new SupersededError('claim check upload');
        const retryable = error instanceof PollerError && error.retryable;
        const waitMs = backoffMs(Math.min(attempt, 20), retryable ? STORE_TRANSIENT : STORE_PERMANENT);
        this.#o.log.error('claim check upload failed; retrying', {
          route: this.#o.route.name,
          record: `${ref.topic}/${ref.partition}/${ref.offset}`,
          error: messageOf(error),
          attempt,
          waitMs,
        });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        await control.keepAlive();
      }
    }
  }
}
