// A real local HTTP server playing a business endpoint for the deliverer's tests: it answers
// as a script says (per record, per repeat) and records every request it received.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeEnvelope } from '../../lib/envelope/index.ts';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** ms since the epoch, when the request's body was complete. */
  readonly at: number;
  /** The idempotency key header: route/topic/partition/offset. */
  readonly recordId: string;
  /** The record key as UTF-8 (from the envelope body), null for no key or a raw body. */
  readonly key: string | null;
  readonly offset: string;
  /** 1 for the first request of this record id, 2 for its first retry, ... */
  readonly nth: number;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Answer only after this long (to play a slow endpoint). */
  readonly delayMs?: number;
}

export type Script = (request: ReceivedRequest) => ScriptedResponse;

export const alwaysOk: Script = () => ({ status: 200, body: 'ok' });

export class TestEndpoint {
  readonly received: ReceivedRequest[] = [];
  script: Script;
  #server: Server;
  #port = 0;
  readonly #seen = new Map<string, number>();

  private constructor(script: Script) {
    this.script = script;
    this.#server = this.#create();
  }

  /** Starts on a free port (or `port`). */
  static async start(script: Script = alwaysOk, port = 0): Promise<TestEndpoint> {
    const endpoint = new TestEndpoint(script);
    await endpoint.#listen(port);
    return endpoint;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  get port(): number {
    return this.#port;
  }

  /** Requests of one key, in arrival order. */
  requestsOf(key: string): ReceivedRequest[] {
    return this.received.filter((request) => request.key === key);
  }

  /** Closes the port and every open (keep-alive) connection: the next request is refused. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
    this.#server.closeAllConnections();
    await closed;
  }

  /** Serves again on the same port after stop(). */
  async restart(): Promise<void> {
    this.#server = this.#create();
    await this.#listen(this.#port);
  }

  #create(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const recordId = String(req.headers['idempotency-key'] ?? '');
        const nth = (this.#seen.get(recordId) ?? 0) + 1;
        this.#seen.set(recordId, nth);
        let key: string | null = null;
        let offset = String(req.headers['x-kafka-offset'] ?? '');
        try {
          const envelope = decodeEnvelope(body.toString('utf8'));
          key = envelope.key?.toString('utf8') ?? null;
          offset = envelope.offset;
        } catch {
          // A raw body: the coordinates are in the x-kafka-* headers.
        }
        const request: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body,
          at: Date.now(),
          recordId,
          key,
          offset,
          nth,
        };
        this.received.push(request);
        const answer = this.script(request);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        };
        if (answer.delayMs === undefined) send();
        else setTimeout(send, answer.delayMs);
      });
    });
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }
}
