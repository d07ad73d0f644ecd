import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BucketAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { payloadPrefix } from '../config/index.ts';
import type { RecordRef, S3Pointer } from '../envelope/index.ts';
import { PollerError } from './errors.ts';

/**
 * Claim check: a value too large for SQS goes to S3 and the message carries a pointer. The
 * object key is derived from the record (prefix/topic/partition/offset), so forwarding the
 * record again after a crash overwrites the same object instead of leaving a second one.
 * A record whose key and headers are too large goes to S3 whole (a record claim check, see
 * encodeRecordObject) at the same key with `.record` appended: topics cannot contain '/' and
 * offsets are digits, so the two kinds of object can never share a key.
 */
export type ClaimKind = 'value' | 'record';

/** What PayloadStore calls: one PutObject per claim check (no multipart), under the route's payload prefix. */
export const CLAIM_CHECK_ACCESS: BucketAccess = {
  actions: ['s3:PutObject'],
  prefix: (route) => payloadPrefix({ name: route }),
};

export class PayloadStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(s3: S3Client, bucket: string, prefix: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#prefix = prefix;
  }

  get bucket(): string {
    return this.#bucket;
  }

  objectKey(ref: RecordRef, kind: ClaimKind = 'value'): string {
    return `${this.#prefix}${ref.topic}/${ref.partition}/${ref.offset}${kind === 'record' ? '.record' : ''}`;
  }

  async put(
    ref: RecordRef,
    value: Uint8Array,
    signal?: AbortSignal,
    kind: ClaimKind = 'value',
  ): Promise<S3Pointer> {
    const key = this.objectKey(ref, kind);
    const sha256 = createHash('sha256').update(value).digest('base64');
    try {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: value,
          ContentLength: value.byteLength,
          ContentType: 'application/octet-stream',
          // S3 verifies the bytes it stored against this, so a corrupted upload fails here.
          ChecksumSHA256: sha256,
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
    } catch (error) {
      throw new PollerError(
        ref.route,
        `claim check: storing the ${kind} of ${ref.topic}/${ref.partition}/${ref.offset} (${value.byteLength} bytes) at s3://${this.#bucket}/${key} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, retryable: isRetryableAwsError(error) },
      );
    }
    return { bucket: this.#bucket, key, size: value.byteLength, sha256 };
  }
}
