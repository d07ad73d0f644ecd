import { EnvelopeError } from './errors.ts';
import { isOffset, isPartition } from './record-id.ts';
import { SQS_ID_MAX_LENGTH, sha256Base64url } from './sqs-id.ts';

/**
 * What a route keeps in order (docs/architecture.md, SQS FIFO specifics):
 * - 'key': records of one Kafka key (null keys: their partition);
 * - 'partition': all records of a partition, like a classic consumer;
 * - 'none': no order at all; records spread over many groups for parallelism.
 */
export type Ordering = 'key' | 'partition' | 'none';

export interface MessageGroupInput {
  /** The Kafka record key's bytes; null when the record has no key (not the same as an empty key). */
  readonly key: Uint8Array | null;
  readonly partition: number;
  /** Decimal int64; used only by ordering 'none' to spread records deterministically. */
  readonly offset: string;
  readonly ordering: Ordering;
}

/** Ordering 'none' spreads each partition over this many groups: enough for any Lambda concurrency cap (1000). */
export const SPREAD_GROUPS_PER_PARTITION = 1024;

/** Prefix of a hashed key. */
const HASHED_PREFIX = 'h:';

/**
 * Raw keys that look like a derived id: `h:...` (a hashed key), `p<n>` (a partition's group),
 * `n<n>-<n>` (a spread group). Such keys are hashed too, so a key can never share a group with
 * a derived id by accident of spelling.
 */
const RESERVED = /^(?:h:|p\d+$|n\d+-\d+$)/;

/** Bytes SQS accepts in a group id: printable ASCII except space (see sqs-id.ts). */
function isSqsIdByte(byte: number): boolean {
  return byte >= 0x21 && byte <= 0x7e;
}

/**
 * The key itself when SQS accepts it as a group id and it is not reserved, else undefined.
 * Works on bytes: a key of printable ASCII bytes is the same string in any decoding, and any
 * other key (UTF-8 text with non-ASCII, binary, too long, empty) is hashed over its exact bytes.
 */
function plainKey(key: Uint8Array): string | undefined {
  if (key.length === 0 || key.length > SQS_ID_MAX_LENGTH) return undefined;
  for (const byte of key) if (!isSqsIdByte(byte)) return undefined;
  const text = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  return RESERVED.test(text) ? undefined : text;
}

/**
 * The SQS MessageGroupId of a record: records in one group are delivered one at a time, in
 * order; different groups go in parallel. Deterministic given the record, so a resend after a
 * crash lands in the same group. Two keys sharing a group (a hash collision) only merges their
 * order; it never breaks either's.
 */
export function messageGroupId(input: MessageGroupInput): string {
  const { key, partition, offset, ordering } = input;
  if (!isPartition(partition)) {
    throw new EnvelopeError(`message group: partition ${String(partition)} is not a non-negative int32`);
  }
  switch (ordering) {
    case 'partition':
      return `p${partition}`;
    case 'none': {
      if (!isOffset(offset)) {
        throw new EnvelopeError(
          `message group: offset ${JSON.stringify(offset)} is not a canonical decimal int64`,
        );
      }
      // Consecutive offsets land in different groups, so a burst spreads over all of them.
      return `n${partition}-${BigInt(offset) % BigInt(SPREAD_GROUPS_PER_PARTITION)}`;
    }
    case 'key': {
      if (key === null) return `p${partition}`;
      return plainKey(key) ?? `${HASHED_PREFIX}${sha256Base64url(key)}`;
    }
    default: {
      const unknown: never = ordering;
      throw new EnvelopeError(`message group: unknown ordering ${JSON.stringify(unknown)}`);
    }
  }
}
