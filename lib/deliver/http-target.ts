import type { SecretReader } from '../aws/secrets.ts';
import { classifyStatus, type HttpEndpoint, type Responses } from '../config/index.ts';
import { type Envelope, endpointBody } from '../envelope/index.ts';
import { parseRetryAfter } from '../retry/index.ts';
import { parseBatchAnswer } from './batch-body.ts';
import { EndpointAuthenticator } from './endpoint-auth.ts';
import { DeliveryError } from './errors.ts';
import { mergeHeaders, redactSecretValues, secretHeaders } from './headers.ts';
import { isRedirect, locationOrigin, readExcerpt } from './http-answer.ts';
import { networkErrorClass } from './network-error.ts';
import { signatureHeaders } from './signing.ts';
import { type DeliveryRequest, type DeliveryResponse, EXCERPT_BYTES, type Target } from './target.ts';

/** The idempotency key header (docs/architecture.md I5): `route/topic/partition/offset`. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** On a batched call: the number of records in its body. */
export const BATCH_SIZE_HEADER = 'x-bridge-batch-size';
/** A batched call's answer is read this far for its failure list. */
const BATCH_ANSWER_BYTES = 64 * 1024;

/** One record of a batched call: its idempotency key and its item of the body (batch-body.ts). */
export interface BatchItem {
  readonly recordId: string;
  readonly json: string;
}

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
    const { response, excerpt } = await this.#send(body, own, recordId, request.signal);
    const error = this.#answerError(response, excerpt);
    if (error !== undefined) throw error;
    return { status: response.status };
  }

  /**
   * One request carrying every record of `items` (deliver.batch; docs/deliver.md, Batched
   * calls): a JSON array of envelopes (batch-body.ts). Each record's outcome, in order: its
   * answer, or the DeliveryError of the whole call, or the one its partial-failure item says.
   */
  async deliverMany(items: readonly BatchItem[]): Promise<(DeliveryResponse | DeliveryError)[]> {
    const first = items[0];
    if (first === undefined) return [];
    const body = `[${items.map((item) => item.json).join(',')}]`;
    const own = { 'content-type': 'application/json', [BATCH_SIZE_HEADER]: String(items.length) };
    const id = `${first.recordId}+${items.length}`;
    const { response, excerpt } = await this.#send(body, own, id, undefined, BATCH_ANSWER_BYTES);
    const whole = this.#answerError(response, excerpt);
    if (whole !== undefined) return items.map(() => whole);
    const failures = parseBatchAnswer(excerpt, new Set(items.map((item) => item.recordId)));
    const where = `${this.#endpoint.method} ${this.#endpoint.url} answered ${response.status}`;
    if (typeof failures === 'string') {
      const error = new DeliveryError(`${where} with a malformed failure list: ${failures}`, {
        retryable: true,
        status: response.status,
        excerpt: excerpt.slice(0, EXCERPT_BYTES),
      });
      return items.map(() => error);
    }
    return items.map(({ recordId }) => {
      const failure = failures.get(recordId);
      if (failure === undefined) return { status: response.status };
      const verdict =
        failure.status === undefined ? 'retryable' : classifyStatus(this.#responses, failure.status);
      if (verdict === 'success') return { status: response.status };
      const status = failure.status ?? response.status;
      return new DeliveryError(
        `${where} listing the record as failed${failure.status === undefined ? '' : ` (${failure.status})`} (${verdict})`,
        { retryable: verdict === 'retryable', status },
      );
    });
  }

  /** The DeliveryError of an answer the route does not count as success; undefined for success. */
  #answerError(response: Response, excerpt: string): DeliveryError | undefined {
    const { method, url } = this.#endpoint;
    const shown = excerpt.slice(0, EXCERPT_BYTES);
    if (isRedirect(response.status)) {
      return new DeliveryError(
        `${method} ${url} answered ${response.status}, a redirect to ${locationOrigin(response, url)} (not followed)`,
        { retryable: false, status: response.status, excerpt: shown },
      );
    }
    const verdict = classifyStatus(this.#responses, response.status);
    if (verdict === 'success') return undefined;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#now());
    return new DeliveryError(`${method} ${url} answered ${response.status} (${verdict})`, {
      retryable: verdict === 'retryable',
      status: response.status,
      excerpt: shown,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  /**
   * Sends `body` with the bridge's `own` headers, signed as message `id`, with the secret's
   * headers and the route's authentication. An OAuth2 token the endpoint refuses (401) is
   * dropped and the request sent once more with a new one. The answer's first `limit` bytes
   * come back as its excerpt, without the secret headers' values should the endpoint echo them.
   */
  async #send(
    body: Buffer | string,
    own: Readonly<Record<string, string>>,
    id: string,
    abort: AbortSignal | undefined,
    limit?: number,
  ): Promise<{ response: Response; excerpt: string }> {
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
      if (response.status !== 401 || sent > 1 || !(await this.#auth.refused(auth))) {
        const excerpt = redactSecretValues(await readExcerpt(response, limit), Object.values(base));
        return { response, excerpt };
      }
      await response.body?.cancel().catch(() => undefined);
    }
  }

  #body(envelope: Envelope, payload: Buffer | null): Buffer | string {
    if (this.#endpoint.body === 'raw') return payload ?? Buffer.alloc(0);
    return endpointBody(envelope, payload);
  }

  #metadataHeaders(envelope: Envelope): Record<string, string> {
    if (this.#endpoint.body !== 'raw') return { 'content-type': 'application/json' };
    const headers: Record<string, string> = {
      // A decoded record's value is JSON text (route.decode).
      'content-type': envelope.schema === undefined ? 'application/octet-stream' : 'application/json',
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
