import type { SecretReader } from '../aws/secrets.ts';
import { classifyStatus, type HttpEndpoint, type Responses } from '../config/index.ts';
import { type Envelope, encodeEnvelope } from '../envelope/index.ts';
import { parseRetryAfter } from '../retry/index.ts';
import { EndpointAuthenticator } from './endpoint-auth.ts';
import { DeliveryError } from './errors.ts';
import { mergeHeaders, secretHeaders } from './headers.ts';
import { networkErrorClass } from './network-error.ts';
import { signatureHeaders } from './signing.ts';
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
  readonly #auth: EndpointAuthenticator;

  constructor(options: HttpTargetOptions) {
    this.#endpoint = options.endpoint;
    this.#responses = options.responses;
    this.#secrets = options.secrets;
    this.#now = options.now ?? Date.now;
    this.#auth = new EndpointAuthenticator(options.endpoint.auth, options.secrets, { now: this.#now });
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResponse> {
    const { envelope, payload, recordId } = request;
    const body = this.#body(envelope, payload);
    const own: Record<string, string> = {
      ...this.#metadataHeaders(envelope),
      [IDEMPOTENCY_HEADER]: recordId,
    };
    const traceparent = traceparentOf(envelope);
    if (traceparent !== undefined) own.traceparent = traceparent;
    const response = await this.#send(body, own, recordId, request.signal);
    const excerpt = await readExcerpt(response);
    if (isRedirect(response.status)) {
      throw new DeliveryError(
        `${this.#endpoint.method} ${this.#endpoint.url} answered ${response.status}, a redirect to ${locationOrigin(response, this.#endpoint.url)} (not followed)`,
        { retryable: false, status: response.status, excerpt },
      );
    }
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

  /**
   * Sends `body` with the bridge's `own` headers, signed as message `id`, with the secret's
   * headers and the route's authentication. An OAuth2 token the endpoint refuses (401) is
   * dropped and the request sent once more with a new one.
   */
  async #send(
    body: Buffer | string,
    own: Readonly<Record<string, string>>,
    id: string,
    abort: AbortSignal | undefined,
  ): Promise<Response> {
    const endpoint = this.#endpoint;
    const signed = { method: endpoint.method, url: endpoint.url, headers: own, body, id };
    const signature = await signatureHeaders(endpoint, this.#secrets, signed, this.#now());
    // The secret's headers first, merged by lower-cased name: the bridge's own headers win.
    const secret = endpoint.headersSecret;
    const base = secret === undefined ? {} : await secretHeaders(this.#secrets, secret);
    for (let sent = 1; ; sent++) {
      const auth = await this.#auth.prepare();
      const headers = mergeHeaders(base, own, signature, auth.headers);
      const timeout = AbortSignal.timeout(endpoint.timeoutMs);
      const signal = abort === undefined ? timeout : AbortSignal.any([timeout, abort]);
      let response: Response;
      try {
        // Redirects are not followed: a 3xx to another origin would carry the body, the secret
        // headers and the signature there, and an https URL could be sent on to plain http.
        response = await fetch(endpoint.url, {
          method: endpoint.method,
          headers,
          body,
          signal,
          redirect: 'manual',
          ...(auth.dispatcher === undefined ? {} : { dispatcher: auth.dispatcher }),
          // An undici Agent (the package pinned to the undici inside Node 24) for node's fetch;
          // their type declarations differ, not the dispatcher interface.
        } as unknown as RequestInit);
      } catch (error) {
        throw networkError(error, endpoint, timeout.aborted);
      }
      if (response.status !== 401 || sent > 1 || !(await this.#auth.refused(auth))) return response;
      await response.body?.cancel().catch(() => undefined);
    }
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

/** 3xx answers: never followed, never success, whatever the route's response classes say. */
function isRedirect(status: number): boolean {
  return status >= 300 && status <= 399;
}

/** Where a redirect pointed, as an origin only: its path and query may carry tokens. */
function locationOrigin(response: Response, base: string): string {
  const location = response.headers.get('location');
  if (location === null) return 'nowhere (no Location header)';
  const url = URL.parse(location, base);
  if (url === null) return 'an invalid Location';
  return url.origin === 'null' ? `a ${url.protocol} URL` : url.origin;
}

/**
 * Timeouts and connection errors are retryable (docs/architecture.md, Delivery). The message
 * holds a safe class of the error, never fetch's own text, and the error is not kept as cause.
 */
function networkError(error: unknown, endpoint: HttpEndpoint, timedOut: boolean): DeliveryError {
  if (timedOut) {
    return new DeliveryError(
      `${endpoint.method} ${endpoint.url} did not answer within ${endpoint.timeoutMs} ms`,
      {
        retryable: true,
      },
    );
  }
  return new DeliveryError(`${endpoint.method} ${endpoint.url} failed: ${networkErrorClass(error)}`, {
    retryable: true,
  });
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
