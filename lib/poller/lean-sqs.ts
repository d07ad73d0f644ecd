/**
 * SendMessageBatch without the AWS SDK's per-call machinery (docs/benchmarks.md: at 1 KiB its
 * serialization, middleware stack, signing and HTTP handling were most of the poller's CPU).
 *
 * - The request: SQS's JSON protocol (`X-Amz-Target: AmazonSQS.SendMessageBatch`), its body
 *   written by string building, each MessageBody escaped once when its envelope was made
 *   (OutgoingMessage.bodyJson), else natively here (jsonString).
 * - Signing: SigV4 (sigv4.ts, the signing key cached per day), with the client's own
 *   credential provider (the SDK's chain, memoized and refreshed before expiry) and region.
 * - Transport: an undici connection pool per endpoint (keep-alive, 50 connections), each call
 *   dispatched with a handler that gathers the answer (http-post.ts).
 * - Where: the client's configured endpoint, else the queue URL's origin: what the SDK's SQS
 *   client does itself (useQueueUrlAsEndpoint). A client set to useQueueUrlAsEndpoint=false
 *   or FIPS/dual-stack endpoints gets no lean path (leanSqsTransport answers undefined).
 * - Retries: like the SDK's standard mode, up to 3 attempts for throttling, 5xx and network
 *   errors with jittered backoff; expired credentials are fetched again (forceRefresh) and a
 *   clock skew is corrected from the answer's Date, then the call is tried again. Whatever is
 *   left is thrown to BatchSender, which retries without end and reports (sqs-errors.ts).
 * - Call recording (BRIDGE_RECORD_CALLS): through the client's recorder (callRecorderOf), so
 *   the IAM check sees the same calls as from the SDK path.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Pool } from 'undici';
import { type CallRecord, callRecorderOf } from '../aws/call-recorder.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { post } from './http-post.ts';
import type { OutgoingMessage } from './send-plan.ts';
import { PostSigner, type SigningCredentials } from './sigv4.ts';
import { jsonString } from './sqs-client.ts';
import { SqsRequestError, sqsError } from './sqs-errors.ts';
import type { FailedEntry, SqsBatchTransport } from './sqs-transport.ts';

const MAX_ATTEMPTS = 3;
const RETRY_BASE_MS = 50;
const REQUEST_TIMEOUT_MS = 30_000;
/** Connections per endpoint (the SDK's NodeHttpHandler allows 50 sockets). */
const MAX_CONNECTIONS = 50;
/** A clock this far from the server's is corrected (SigV4 allows 5 minutes). */
const SKEW_CORRECTION_MS = 60_000;

/** What the lean transport takes from an SQS client's resolved configuration. */
export interface LeanSqsConfig {
  /** The SDK's credential provider (memoized, refreshed before expiry; `forceRefresh` fetches anew). */
  readonly credentials: (options?: { forceRefresh?: boolean }) => Promise<SigningCredentials>;
  /** Added to the local clock when signing (the SDK keeps the same correction). */
  systemClockOffset?: number;
}

/** The lean transport for `client`, or undefined when only the SDK knows how to reach its endpoint. */
export async function leanSqsTransport(client: SQSClient): Promise<LeanSqsTransport | undefined> {
  const config = client.config;
  if ((await config.useFipsEndpoint()) || (await config.useDualstackEndpoint())) return undefined;
  let endpoint: string | undefined;
  if (config.isCustomEndpoint && config.endpoint !== undefined) {
    const e = await config.endpoint();
    if (e.path !== '/' && e.path !== '') return undefined;
    endpoint = `${e.protocol}//${e.hostname}${e.port === undefined ? '' : `:${e.port}`}`;
  } else if (config.useQueueUrlAsEndpoint === false) return undefined;
  if (typeof config.credentials !== 'function') return undefined;
  return new LeanSqsTransport(
    config as unknown as LeanSqsConfig,
    await config.region(),
    endpoint,
    callRecorderOf(client),
  );
}

export class LeanSqsTransport implements SqsBatchTransport {
  readonly #config: LeanSqsConfig;
  /** The origin every call goes to; undefined: the queue URL's own origin. */
  readonly #endpoint: string | undefined;
  readonly #signer: PostSigner;
  readonly #record: CallRecord | undefined;
  /** A connection pool and the Host header per origin. */
  readonly #pools = new Map<string, { readonly pool: Pool; readonly host: string }>();
  #refreshCredentials = false;

  constructor(
    config: LeanSqsConfig,
    region: string,
    endpoint: string | undefined,
    record: CallRecord | undefined,
  ) {
    this.#config = config;
    this.#endpoint = endpoint;
    this.#record = record;
    this.#signer = new PostSigner(region, 'sqs');
  }

  async sendBatch(
    queueUrl: string,
    messages: readonly OutgoingMessage[],
    signal?: AbortSignal,
  ): Promise<readonly FailedEntry[]> {
    this.#record?.('SQSClient', 'SendMessageBatch', { QueueUrl: queueUrl });
    const body = Buffer.from(batchBody(queueUrl, messages));
    const origin = this.#endpoint ?? new URL(queueUrl).origin;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.#post(origin, body, signal);
        return (JSON.parse(answer) as { Failed?: FailedEntry[] }).Failed ?? [];
      } catch (error) {
        if (signal?.aborted || attempt >= MAX_ATTEMPTS || !this.#retryable(error)) throw error;
        const waitMs = Math.random() * RETRY_BASE_MS * 2 ** attempt;
        await sleep(waitMs, undefined, signal === undefined ? {} : { signal });
      }
    }
  }

  /** Whether to try again now; fixes first what can be fixed (credentials, clock). */
  #retryable(error: unknown): boolean {
    if (error instanceof SqsRequestError) {
      if (error.credentialsExpired) this.#refreshCredentials = true;
      if (error.clockSkew && error.serverDate !== undefined) {
        const offset = error.serverDate - Date.now();
        if (Math.abs(offset - (this.#config.systemClockOffset ?? 0)) > SKEW_CORRECTION_MS) {
          this.#config.systemClockOffset = offset;
          return true;
        }
      }
    }
    return isRetryableAwsError(error);
  }

  async #post(origin: string, body: Buffer, signal: AbortSignal | undefined): Promise<string> {
    const forceRefresh = this.#refreshCredentials;
    this.#refreshCredentials = false;
    const credentials = await this.#config.credentials(forceRefresh ? { forceRefresh } : undefined);
    const { pool, host } = this.#pool(origin);
    const headers = this.#signer.sign(
      {
        host,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AmazonSQS.SendMessageBatch',
          'x-amzn-query-mode': 'true',
        },
        body,
      },
      credentials,
      new Date(Date.now() + (this.#config.systemClockOffset ?? 0)),
    );
    const answer = await post(pool, { headers, body, timeoutMs: REQUEST_TIMEOUT_MS, signal });
    const { text } = answer;
    if (answer.statusCode >= 200 && answer.statusCode < 300) return text;
    throw sqsError(answer.statusCode, answer.headers, text);
  }

  #pool(origin: string): { readonly pool: Pool; readonly host: string } {
    let pooled = this.#pools.get(origin);
    if (pooled === undefined) {
      pooled = { pool: new Pool(origin, { connections: MAX_CONNECTIONS }), host: new URL(origin).host };
      this.#pools.set(origin, pooled);
    }
    return pooled;
  }

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map(({ pool }) => pool.close()));
    this.#pools.clear();
  }
}

/** The SendMessageBatch request body, equal to JSON.stringify of the same input. */
export function batchBody(queueUrl: string, messages: readonly OutgoingMessage[]): string {
  let text = `{"QueueUrl":${JSON.stringify(queueUrl)},"Entries":[`;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as OutgoingMessage;
    if (i > 0) text += ',';
    text += `{"Id":${JSON.stringify(m.id)},"MessageBody":${m.bodyJson ?? jsonString(m.body)},"MessageGroupId":${JSON.stringify(m.groupId)},"MessageDeduplicationId":${JSON.stringify(m.deduplicationId)}}`;
  }
  return `${text}]}`;
}
