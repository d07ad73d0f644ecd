import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { BucketAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { payloadPrefix } from '../config/index.ts';
import {
  claimCheckProblem,
  decodeRecordObject,
  type Envelope,
  EnvelopeError,
  resolveRecord,
  type S3Pointer,
} from '../envelope/index.ts';
import { BridgeError } from '../errors.ts';
import { PayloadError } from './payload-error.ts';

/** A record ready to deliver: its real key, headers and value, wherever the poller put them. */
export interface LoadedRecord {
  /**
   * The envelope with the record's real key and headers: for a record claim check, read from
   * its S3 object (and the value inline, or null for a tombstone); any other envelope as it came.
   */
  readonly envelope: Envelope;
  /** The value's bytes; null for a tombstone. */
  readonly payload: Buffer | null;
  /** A record claim check's object, checked: the archive keeps it, as claim checks expire. */
  readonly recordObject?: Buffer;
}

/**
 * The record behind `envelope`: inline, or fetched from S3 for a value or record claim check
 * and checked against the envelope's size and SHA-256, so a truncated or replaced object is
 * never delivered. A missing object, a mismatch or an unreadable record object is not
 * retryable (the record is dead-lettered with the reason); S3 faults are.
 */
export async function loadRecord(s3: S3Client, envelope: Envelope): Promise<LoadedRecord> {
  const value = envelope.value;
  if (value === null) return { envelope, payload: null };
  if ('inline' in value) return { envelope, payload: value.inline };
  if ('s3' in value) return { envelope, payload: await fetchClaimCheck(s3, value.s3) };
  const recordObject = await fetchClaimCheck(s3, value.record);
  let resolved: Envelope;
  try {
    resolved = resolveRecord(envelope, decodeRecordObject(recordObject, pointerUrl(value.record)));
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    throw new PayloadError(error.message, { cause: error });
  }
  const payload = resolved.value !== null && 'inline' in resolved.value ? resolved.value.inline : null;
  return { envelope: resolved, payload, recordObject };
}

function pointerUrl(pointer: S3Pointer): string {
  return `s3://${pointer.bucket}/${pointer.key}`;
}

/** What reading claim checks calls: GetObject under the route's payload prefix (the poller writes there). */
export const CLAIM_CHECK_READ_ACCESS: BucketAccess = {
  actions: ['s3:GetObject'],
  prefix: (route) => payloadPrefix({ name: route }),
};

/** The bytes of a claim check's object, checked against the pointer's size and SHA-256. */
export async function fetchClaimCheck(s3: S3Client, pointer: S3Pointer): Promise<Buffer> {
  const { bucket, key } = pointer;
  const where = pointerUrl(pointer);
  let bytes: Buffer;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (out.Body === undefined) throw new PayloadError(`claim check ${where} has no body`);
    bytes = Buffer.from(await out.Body.transformToByteArray());
  } catch (error) {
    if (error instanceof PayloadError) throw error;
    if (error instanceof NoSuchKey) {
      throw new PayloadError(`claim check ${where} does not exist (expired or deleted?)`, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new PayloadError(`cannot read claim check ${where}: ${reason}`, {
      cause: error,
      retryable: isRetryableAwsError(error),
    });
  }
  const problem = claimCheckProblem(bytes, pointer);
  if (problem !== undefined) throw new PayloadError(problem);
  return bytes;
}

/** Why a record can never be delivered as it is, with what could be loaded of it. */
export interface Rejected {
  readonly rejected: string;
  readonly cause: Error;
  readonly loaded?: LoadedRecord;
}

/**
 * The "load and check" step: the record with its value (from S3 for a claim check), or why it
 * can never be delivered (its claim check is gone or wrong, the poller's decode stage marked it
 * `deadLetter`, it breaks the route's schema: it fails the same way every time, so it gets no
 * retries). S3 faults are thrown.
 */
export async function loadAndCheck(
  s3: S3Client,
  schema: { problem(payload: Buffer | null): string | undefined } | undefined,
  envelope: Envelope,
): Promise<LoadedRecord | Rejected> {
  let loaded: LoadedRecord;
  try {
    // From here on the envelope has the record's real key and headers (record claim checks).
    loaded = await loadRecord(s3, envelope);
  } catch (error) {
    if (!(error instanceof PayloadError) || error.retryable) throw error;
    return { rejected: error.message, cause: error };
  }
  // The poller's decode stage gave it up (route.decode): dead-lettered with its reason, never called.
  const mark = envelope.deadLetter;
  if (mark !== undefined) {
    const rejected = `${mark.reason}: ${mark.detail}`;
    return { rejected, cause: new BridgeError(rejected), loaded };
  }
  const problem = schema?.problem(loaded.payload);
  if (problem !== undefined) return { rejected: problem, cause: new BridgeError(problem), loaded };
  return loaded;
}
