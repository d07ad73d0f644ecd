/**
 * One POST over an undici connection pool, its answer collected as text: what the lean
 * SendMessageBatch needs of an HTTP client and no more. `Pool.request` wraps every answer in a
 * Readable stream, an abort-signal adapter and a body mixin; at 1 KiB records that was about a
 * fifth of the poller's CPU per SendMessageBatch (docs/benchmarks.md). `Pool.dispatch` with a
 * handler that gathers the chunks does the same exchange (keep-alive, timeouts, the same
 * connection pool and errors) without them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher, Pool } from 'undici';

export interface PostAnswer {
  readonly statusCode: number;
  /** Lower-cased names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface PostOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Limits on waiting for the answer's headers and between its body's chunks (ms). */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** POSTs `body` to `/` of the pool's origin and resolves with the whole answer (any status). */
export function post(pool: Pool, options: PostOptions): Promise<PostAnswer> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let statusCode = 0;
    let headers: IncomingHttpHeaders = {};
    let controller: Dispatcher.DispatchController | undefined;
    let abortedEarly: Error | undefined;
    const onAbort = (): void => {
      const reason = abortError(signal as AbortSignal);
      if (controller === undefined) abortedEarly = reason;
      else controller.abort(reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (abortedEarly !== undefined) started.abort(abortedEarly);
      },
      onResponseStart(_controller, status, answerHeaders) {
        statusCode = status;
        headers = answerHeaders;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        done();
        const text =
          chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString();
        resolve({ statusCode, headers, text });
      },
      onResponseError(_controller, error) {
        done();
        reject(error);
      },
    };
    pool.dispatch(
      {
        method: 'POST',
        path: '/',
        headers: options.headers,
        body: options.body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      handler,
    );
  });
}

/** What an aborted call rejects with: the signal's reason, as undici's request would. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
