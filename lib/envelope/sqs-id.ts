import { createHash } from 'node:crypto';

/**
 * The rules SQS FIFO puts on MessageGroupId and MessageDeduplicationId (FACTS.md): at most 128
 * characters, each an ASCII letter, digit or one of !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ . Those
 * are exactly the printable ASCII characters 0x21..0x7E: every one except space.
 */
export const SQS_ID_MAX_LENGTH = 128;

const SQS_ID = /^[\x21-\x7e]{1,128}$/;

/** Whether SQS accepts `id` as a FIFO message group or deduplication id. */
export function isValidSqsId(id: string): boolean {
  return SQS_ID.test(id);
}

/**
 * SHA-256 in base64url without padding: 43 characters, all of them [A-Za-z0-9_-] and thus valid
 * in SQS ids. Stable across processes and versions, so a resent record maps to the same id.
 */
export function sha256Base64url(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url');
}
