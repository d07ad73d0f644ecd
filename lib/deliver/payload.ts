import { createHash } from 'node:crypto';
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { isRetryableAwsError } from '../aws/errors.ts';
import type { Envelope } from '../envelope/index.ts';
import { PayloadError } from './payload-error.ts';

/**
 * The record's value: inline, or fetched from S3 for a claim check and checked against the
 * envelope's size and SHA-256, so a truncated or replaced object is never delivered.
 * A missing object or a mismatch is not retryable (the record is dead-lettered); S3 faults are.
 */
export async function loadPayload(s3: S3Client, envelope: Envelope): Promise<Buffer | null> {
  const value = envelope.value;
  if (value === null) return null;
  if ('inline' in value) return value.inline;
  const { bucket, key, size, sha256 } = value.s3;
  const where = `s3://${bucket}/${key}`;
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
  if (bytes.byteLength !== size) {
    throw new PayloadError(`claim check ${where} is ${bytes.byteLength} bytes, the envelope says ${size}`);
  }
  const actual = createHash('sha256').update(bytes).digest('base64');
  if (actual !== sha256) {
    throw new PayloadError(`claim check ${where} has SHA-256 ${actual}, the envelope says ${sha256}`);
  }
  return bytes;
}
