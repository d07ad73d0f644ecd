import { randomBytes } from 'node:crypto';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/**
 * The SQS client options of the poller, measured in bench/poller.ts and bench/poller-sqs-call.ts
 * (docs/benchmarks.md, poller section):
 *
 * - `md5: false`: the SDK would hash every sent body again (MD5, after a UTF-8 copy) to compare
 *   with the MD5OfMessageBody SQS answers. That guards against a body changed on the way, which
 *   SigV4 already rules out (the signature covers the SHA-256 of the whole request body, so SQS
 *   refuses an altered request) and TLS too; and the deliverer validates every envelope it
 *   reads (schema, canonical base64, the claim check's SHA-256). It cost 0.3 to 0.6 ms of CPU
 *   per SendMessageBatch of ten 1 KiB records and 2 to 4 ms at 64 KiB, and protects nothing
 *   the rest does not.
 * - HTTP keep-alive and up to 50 sockets are the SDK's own defaults (NodeHttpHandler), kept.
 * - There is no request/response checksum option for SQS (only S3 has flexible checksums).
 */
export function pollerSqsClientConfig(): SQSClientConfig {
  return { md5: false };
}

/**
 * An SQS client for the poller: `config` (region, endpoint, credentials) over
 * pollerSqsClientConfig(), with SendMessageBatch bodies serialized natively (see below).
 */
export function createPollerSqsClient(config: SQSClientConfig = {}): SQSClient {
  const client = new SQSClient({ ...pollerSqsClientConfig(), ...config });
  nativeMessageBodies(client);
  return client;
}

interface Serializable {
  serializeRequest(operation: unknown, input: object, context: unknown): Promise<{ body?: unknown }>;
}

interface BatchInput {
  readonly Entries: readonly { readonly MessageBody?: string }[];
}

function isBatchInput(input: object): input is BatchInput {
  const entries = (input as { Entries?: unknown }).Entries;
  return Array.isArray(entries) && entries.every((entry) => typeof entry?.MessageBody === 'string');
}

/**
 * The SDK's JSON writer copies strings into the request one character at a time in JavaScript:
 * for a batch of ten 64 KiB values (about 880 KB of base64) that was the largest single CPU cost
 * of the poller. This serializes SendMessageBatch with each MessageBody replaced by a marker,
 * then puts the bodies in as JSON strings written natively (the same text JSON.stringify gives).
 * Everything else (signing, headers, retries) stays the SDK's. The markers hold a random nonce,
 * so no other field can contain one; a count mismatch is an error, not a wrong request.
 */
function nativeMessageBodies(client: SQSClient): void {
  const protocol = client.config.protocol as unknown as Serializable;
  if (typeof protocol?.serializeRequest !== 'function') {
    throw new Error(
      'SQS client: the SDK has no protocol.serializeRequest any more; update lib/poller/sqs-client.ts',
    );
  }
  const original = protocol.serializeRequest.bind(protocol);
  const nonce = `body${randomBytes(12).toString('hex')}-`;
  protocol.serializeRequest = async (operation, input, context) => {
    const name = (operation as { name?: unknown } | undefined)?.name;
    if (name !== 'SendMessageBatch' || !isBatchInput(input)) return original(operation, input, context);
    const bodies = input.Entries.map((entry) => entry.MessageBody as string);
    const marked = {
      ...input,
      Entries: input.Entries.map((entry, i) => ({ ...entry, MessageBody: `${nonce}${i}` })),
    };
    const request = await original(operation, marked, context);
    const body = request.body;
    const text =
      typeof body === 'string'
        ? body
        : body instanceof Uint8Array
          ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
          : undefined;
    if (text === undefined)
      throw new Error(`SQS client: unexpected SendMessageBatch body type ${typeof body}`);
    let replaced = 0;
    const spliced = text.replace(new RegExp(`"${nonce}(\\d+)"`, 'g'), (_, index: string) => {
      replaced++;
      return jsonString(bodies[Number(index)] as string);
    });
    if (replaced !== bodies.length) {
      throw new Error(
        `SQS client: found ${replaced} of ${bodies.length} message bodies in the SendMessageBatch request`,
      );
    }
    // Bytes once here, rather than UTF-8 encoding the text again to sign, measure and send it.
    request.body = Buffer.from(spliced);
    return request;
  };
}

/** Characters that JSON.stringify writes as \\u escapes (control characters, surrogates). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its job.
const NEEDS_UNICODE_ESCAPES = /[\u0000-\u001f\ud800-\udfff]/;

/**
 * `text` as a JSON string literal, equal to JSON.stringify(text). A body without control
 * characters or surrogates (an envelope: JSON.stringify escaped those already, and base64 has
 * none) only needs `"` and `\\` escaped, which a native replace does without a copy per character.
 */
export function jsonString(text: string): string {
  if (NEEDS_UNICODE_ESCAPES.test(text)) return JSON.stringify(text);
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
