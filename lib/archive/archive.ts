import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BucketAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { archivePrefix } from '../config/index.ts';
import {
  claimCheckProblem,
  decodeRecordObject,
  type Envelope,
  EnvelopeError,
  resolveRecord,
} from '../envelope/index.ts';
import { BridgeError } from '../errors.ts';

/** One attempt as the archive keeps it. */
export interface ArchivedAttempt {
  /** 1 for the first attempt of this receive. */
  readonly attempt: number;
  /** SQS ApproximateReceiveCount of the receive that made it. */
  readonly receive: number;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly status?: number;
  readonly error: string;
  /** At most 4 KiB of the answer's body. */
  readonly excerpt?: string;
  readonly waitMs?: number;
}

/**
 * The archive object of a record that was dead-lettered or parked (docs/architecture.md I7): everything
 * needed to understand the failure and to replay the record without the DLQ message.
 * Stored as JSON at `archive/<route>/<topic>/<partition>/<offset, 19 digits>.json`, so a
 * listing is in offset order (the order a replay needs); a malformed message, which has no
 * coordinates, at `archive/<route>/malformed/<SQS message id>.json`.
 */
export interface ArchiveRecord {
  readonly route: string;
  /** `route/topic/partition/offset`; absent for a malformed message. */
  readonly recordId?: string;
  readonly outcome: 'dead-lettered' | 'parked';
  /** Why: the last error, the envelope problem, or "behind <record id>" for a parked record. */
  readonly reason: string;
  readonly messageGroupId?: string;
  readonly sqsMessageId: string;
  /** The SQS message body exactly as received (the wire envelope). */
  readonly body: string;
  /** The record value in base64 (fetched from S3 for a claim check), when it could be read. */
  readonly payloadBase64?: string | null;
  /**
   * For a record claim check (the body's value is `{ record: ... }`, key and headers in S3):
   * its S3 object in base64, when it could be read; claim checks expire, the archive does not.
   * Read it with archivedRecord.
   */
  readonly recordBase64?: string;
  readonly attempts: readonly ArchivedAttempt[];
  /** Total attempts counted across receives (previous receives' attempts are counted, not detailed). */
  readonly attemptCount: number;
  readonly receiveCount: number;
  /** ISO 8601: when SQS first handed the message out, and when it was archived. */
  readonly firstReceivedAt?: string;
  readonly archivedAt: string;
}

/**
 * The archived record as it really was when its message is a record claim check and the
 * archive kept the record's object (recordBase64, checked against the pointer): the envelope
 * with real key, headers and inline value. Any other envelope is returned as it is. A problem
 * when the archive has no usable copy of the record object, so a caller can fall back to S3
 * or show that the key is unknown, never a wrong key.
 */
export function archivedEnvelope(
  record: Pick<ArchiveRecord, 'recordBase64'>,
  envelope: Envelope,
): { readonly envelope: Envelope } | { readonly problem: string } {
  const value = envelope.value;
  if (value === null || !('record' in value)) return { envelope };
  if (record.recordBase64 === undefined) return { problem: 'the archive has no copy of the record object' };
  const bytes = Buffer.from(record.recordBase64, 'base64');
  const problem = claimCheckProblem(bytes, value.record);
  if (problem !== undefined) return { problem: `archived copy: ${problem}` };
  try {
    return { envelope: resolveRecord(envelope, decodeRecordObject(bytes, 'archived copy')) };
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    return { problem: error.message };
  }
}

/** Writing an archive object failed; the record is not dead-lettered until it succeeds. */
export class ArchiveError extends BridgeError {
  constructor(key: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot write archive object ${key}: ${reason}`, { cause, retryable: isRetryableAwsError(cause) });
    this.name = 'ArchiveError';
  }
}

const routeArchive = (route: string): string => archivePrefix({ name: route });

/** What Archive calls, under the route's archive prefix only. */
export const ARCHIVE_ACCESS = {
  /** put */
  write: { actions: ['s3:PutObject'], prefix: routeArchive },
  /** get */
  read: { actions: ['s3:GetObject'], prefix: routeArchive },
  /** keys, list (ListObjectsV2 is authorized as s3:ListBucket on the bucket, with `s3:prefix`) */
  list: { actions: ['s3:ListBucket'], prefix: routeArchive },
} as const satisfies Record<string, BucketAccess>;

export class Archive {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  get bucket(): string {
    return this.#bucket;
  }

  /** The object key of a record's archive. */
  static keyOf(route: string, topic: string, partition: number, offset: string): string {
    return `${archivePrefix({ name: route })}${topic}/${partition}/${offset.padStart(19, '0')}.json`;
  }

  static malformedKeyOf(route: string, messageId: string): string {
    return `${archivePrefix({ name: route })}malformed/${messageId}.json`;
  }

  /** Writes (or overwrites, when a crash repeats the dead-lettering) the archive object; returns its key. */
  async put(key: string, record: ArchiveRecord): Promise<string> {
    try {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: JSON.stringify(record, null, 2),
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw new ArchiveError(`s3://${this.#bucket}/${key}`, error);
    }
    return key;
  }

  /** The keys of a route's archive objects, in key order (topic, partition, then offset). */
  async keys(route: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#s3.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: archivePrefix({ name: route }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  /** Every archive object of a route with its key, in key order. */
  async *list(route: string): AsyncGenerator<{ readonly key: string; readonly record: ArchiveRecord }> {
    for (const key of await this.keys(route)) yield { key, record: await this.get(key) };
  }

  /** One archive object, parsed. */
  async get(key: string): Promise<ArchiveRecord> {
    const got = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
    return JSON.parse((await got.Body?.transformToString('utf8')) ?? '') as ArchiveRecord;
  }
}
