import type { SecretReader } from '../aws/secrets.ts';
import { classifyStatus, type HttpEndpoint, type Responses } from '../config/index.ts';
import { type Envelope, encodeEnvelope } from '../envelope/index.ts';
import { parseRetryAfter } from '../retry/index.ts';
import { DeliveryError } from './errors.ts';
import { signRequest } from './signature.ts';
import { type DeliveryRequest, type DeliveryResponse, EXCERPT_BYTES, type Target } from './target.ts';

/** The idempotency key header (docs/architecture.md I5): `route/topic/partition/offset`. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

// W3C Trace Context: version 00, 32 hex trace id, 16 hex parent id, 2 hex flags; all-zero ids are invalid.
const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface HttpTargetOptions {
  readonly endpoint: HttpEndpoint;
  readonly responses: Responses;
  readonly secrets: SecretReader;
  readonly now?: () => number;
}

/**
 * Calls an HTTP endpoint with node's fetch (undici), whose global dispatcher keeps connections
 * alive between requests, so a warm deliverer does not pay a TLS handshake per record.
 *
 * Body `envelope` (default): the record as the wire envelope JSON, with the value inline even
 * when it travelled through S3. Body `raw`: the value bytes alone, the record's coordinates in
 * `x-kafka-*` headers (key as base64, since keys are bytes).
 */
export class HttpTarget implements Target {
  readonly #endpoint: HttpEndpoint;
  readonly #responses: Responses;
  readonly #secrets: SecretReader;
  readonly #now: () => number;

  constructor(options: HttpTargetOptions) {
    this.#endpoint = options.endpoint;
    this.#responses = options.responses;
    this.#secrets = options.secrets;
    this.#now = options.now ?? Date.now;
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResponse> {
    const { envelope, payload, recordId } = request;
    const body = this.#body(envelope, payload);
    const headers: Record<string, string> = {};
    // Secret headers first: the bridge's own headers must not be overridden by them.
    if (this.#endpoint.headersSecret !== undefined) {
      Object.assign(headers, await this.#secrets.stringMap(this.#endpoint.headersSecret));
    }
    Object.assign(headers, this.#metadataHeaders(envelope));
    headers[IDEMPOTENCY_HEADER] = recordId;
    const traceparent = traceparentOf(envelope);
    if (traceparent !== undefined) headers.traceparent = traceparent;
    if (this.#endpoint.signingSecret !== undefined) {
      const key = await this.#secrets.text(this.#endpoint.signingSecret);
      Object.assign(headers, signRequest(key, body, this.#now()));
    }

    const timeout = AbortSignal.timeout(this.#endpoint.timeoutMs);
    const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
    let response: Response;
    try {
      response = await fetch(this.#endpoint.url, { method: this.#endpoint.method, headers, body, signal });
    } catch (error) {
      throw networkError(error, this.#endpoint, timeout.aborted);
    }
    const excerpt = await readExcerpt(response);
    const verdict = classifyStatus(this.#responses, response.status);
    if (verdict === 'success') return { status: response.status };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#now());
    throw new DeliveryError(
      `${this.#endpoint.method} ${this.#endpoint.url} answered ${response.status} (${verdict})`,
      {
        retryable: verdict === 'retryable',
        status: response.status,
        excerpt,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    );
  }

  #body(envelope: Envelope, payload: Buffer | null): Buffer | string {
    if (this.#endpoint.body === 'raw') return payload ?? Buffer.alloc(0);
    return encodeEnvelope({ ...envelope, value: payload === null ? null : { inline: payload } });
  }

  #metadataHeaders(envelope: Envelope): Record<string, string> {
    if (this.#endpoint.body !== 'raw') return { 'content-type': 'application/json' };
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'x-kafka-topic': envelope.topic,
      'x-kafka-partition': String(envelope.partition),
      'x-kafka-offset': envelope.offset,
      'x-kafka-timestamp': envelope.timestamp,
    };
    if (envelope.key !== null) headers['x-kafka-key'] = envelope.key.toString('base64');
    if (envelope.value === null) headers['x-kafka-tombstone'] = 'true';
    return headers;
  }
}

/** The record's `traceparent` Kafka header when it holds a valid W3C trace context. */
export function traceparentOf(envelope: Envelope): string | undefined {
  for (const [name, value] of envelope.headers) {
    if (name.toLowerCase() !== 'traceparent' || value === null) continue;
    const text = value.toString('utf8').trim().toLowerCase();
    if (TRACEPARENT.test(text)) return text;
  }
  return undefined;
}

/** Timeouts and connection errors are retryable (docs/architecture.md, Delivery). */
function networkError(error: unknown, endpoint: HttpEndpoint, timedOut: boolean): DeliveryError {
  if (timedOut) {
    return new DeliveryError(
      `${endpoint.method} ${endpoint.url} did not answer within ${endpoint.timeoutMs} ms`,
      { retryable: true },
      { cause: error },
    );
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  const reason = error instanceof Error ? error.message : String(error);
  return new DeliveryError(
    `${endpoint.method} ${endpoint.url} failed: ${code ?? reason}`,
    { retryable: true },
    { cause: error },
  );
}

/** Up to EXCERPT_BYTES of the body; the rest is not read (the connection is released by cancelling). */
async function readExcerpt(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut off mid-way still leaves the status, which is what classifies the answer;
    // the excerpt is informative only, so what was read so far is kept.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
}
