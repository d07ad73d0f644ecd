// A real local HTTP server playing a business endpoint for the deliverer's tests: it answers
// as a script says (per record, per repeat) and records every request it received.

import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import type { TLSSocket } from 'node:tls';
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
  /** Over TLS: the CN of the client certificate presented (the server requires one). */
  readonly clientCertificate?: string;
}

/** An HTTPS endpoint that requires a client certificate signed by `ca`. */
export interface EndpointTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/**
 * A broken answer, written on the raw connection instead of an HTTP response:
 * - 'garbage': `body` (default: a malformed status line) as raw bytes, then the connection closes;
 * - 'reset': the connection is reset (TCP RST) before a byte of answer;
 * - 'cut-body': the status line and headers of `status` with a Content-Length of 1000, a few body
 *   bytes, then a reset: the client has seen the status, the body never completes;
 * - 'hang': no answer at all and the connection stays open (until the endpoint stops).
 */
/** Key (UTF-8 of its bytes, or the decoded key's JSON) and offset of a decoded record's envelope body. */
function decodedBodyFields(body: Buffer): { key: string | null; offset: string } | undefined {
  let json: { offset?: unknown; key?: unknown; schema?: unknown };
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (json.schema === undefined || typeof json.offset !== 'string') return undefined;
  const key = json.key;
  if (typeof key === 'string')
    return { key: Buffer.from(key, 'base64').toString('utf8'), offset: json.offset };
  return {
    key: key === null || key === undefined ? null : JSON.stringify((key as { json?: unknown }).json),
    offset: json.offset,
  };
}

export type EndpointFault = 'garbage' | 'reset' | 'cut-body' | 'hang';

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Answer only after this long (to play a slow endpoint). */
  readonly delayMs?: number;
  /** Answer with a broken response instead (see EndpointFault); `status` matters for 'cut-body' only. */
  readonly fault?: EndpointFault;
}

/** The status the client got to see: none when the fault broke the answer before a status line. */
export function statusSeen(answer: ScriptedResponse): number | undefined {
  if (answer.fault === undefined || answer.fault === 'cut-body') return answer.status;
  return undefined;
}

const MALFORMED_STATUS_LINE = 'HTTP/1.1 2OO 0K\r\nContent-Length: 2\r\n\r\nok';

/** Plays `fault` on the request's raw connection; nothing goes through the http response. */
function breakConnection(socket: Socket, answer: ScriptedResponse & { fault: EndpointFault }): void {
  switch (answer.fault) {
    case 'garbage':
      socket.end(answer.body ?? MALFORMED_STATUS_LINE);
      return;
    case 'reset':
      socket.resetAndDestroy();
      return;
    case 'cut-body':
      socket.write(
        `HTTP/1.1 ${answer.status} Cut\r\nContent-Length: 1000\r\n\r\n${answer.body ?? 'partial'}`,
      );
      // After the bytes are out, so the client parses the status before the reset.
      setTimeout(() => socket.resetAndDestroy(), 20);
      return;
    case 'hang':
      return;
    default: {
      const unknown: never = answer.fault;
      throw new Error(`unknown endpoint fault ${String(unknown)}`);
    }
  }
}

export type Script = (request: ReceivedRequest) => ScriptedResponse;

export const alwaysOk: Script = () => ({ status: 200, body: 'ok' });

export class TestEndpoint {
  readonly received: ReceivedRequest[] = [];
  script: Script;
  /** Requests received and not yet answered, now and at most so far (the endpoint's observed concurrency). */
  inFlight = 0;
  maxInFlight = 0;
  #server: Server;
  #port = 0;
  readonly #seen = new Map<string, number>();
  readonly #tls: EndpointTls | undefined;

  private constructor(script: Script, tls: EndpointTls | undefined) {
    this.script = script;
    this.#tls = tls;
    this.#server = this.#create();
  }

  /** Starts on a free port (or `port`); with `tls`, serves HTTPS and requires a client certificate. */
  static async start(script: Script = alwaysOk, port = 0, tls?: EndpointTls): Promise<TestEndpoint> {
    const endpoint = new TestEndpoint(script, tls);
    await endpoint.#listen(port);
    return endpoint;
  }

  get url(): string {
    return `${this.#tls === undefined ? 'http' : 'https'}://127.0.0.1:${this.#port}/hook`;
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
    const tls = this.#tls;
    const handler: RequestListener = (req, res) => {
      const chunks: Buffer[] = [];
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.once('close', () => {
        this.inFlight -= 1;
      });
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
          // A decoded record's body (value as JSON, docs/deliver.md), or a raw body: the
          // coordinates are then in the x-kafka-* headers.
          ({ key, offset } = decodedBodyFields(body) ?? { key, offset });
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
          ...(tls === undefined
            ? {}
            : { clientCertificate: String((req.socket as TLSSocket).getPeerCertificate().subject?.CN) }),
        };
        this.received.push(request);
        const answer = this.script(request);
        const send = () => {
          if (res.destroyed) return;
          if (answer.fault !== undefined) {
            breakConnection(req.socket, { ...answer, fault: answer.fault });
            return;
          }
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        };
        if (answer.delayMs === undefined) send();
        else setTimeout(send, answer.delayMs);
      });
    };
    if (tls === undefined) return createServer(handler);
    return createHttpsServer({ ...tls, requestCert: true, rejectUnauthorized: true }, handler);
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

/**
 * A TCP port that accepts connections and then does nothing: it never reads the request, never
 * answers and never closes. Plays an endpoint hung below HTTP (a dead upstream behind a load
 * balancer that still accepts, a full accept queue); a large request body stalls on its write.
 */
export class BlackHole {
  /** Connections accepted so far. */
  connections = 0;
  readonly #server: TcpServer;
  readonly #sockets = new Set<Socket>();

  private constructor() {
    this.#server = createTcpServer({ pauseOnConnect: true }, (socket) => {
      this.connections += 1;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<BlackHole> {
    const hole = new BlackHole();
    await new Promise<void>((resolve, reject) => {
      hole.#server.once('error', reject);
      hole.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return hole;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** Drops every held connection and closes the port. */
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
  }
}
