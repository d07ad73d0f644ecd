// A real local HTTP server playing Discord's Execute Webhook endpoint
// (POST /api/webhooks/<id>/<token>) for the notifier's tests: it records every request and
// answers from a queue of scripted replies (a 429 with retry_after, a 500, a 404), 204 No
// Content (what Discord answers without ?wait=true) once the queue is empty.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DiscordRequest {
  readonly method: string;
  /** The path, /api/webhooks/<id>/<token>. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON. */
  readonly json: unknown;
  /** ms since the epoch, when the body was complete. */
  readonly at: number;
}

export interface DiscordReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (serialised) or a raw string. */
  readonly body?: unknown;
  /** Destroy the connection without answering (a network failure as the client sees it). */
  readonly drop?: boolean;
}

/** Discord's 429 body: `retry_after` in seconds, as a float. */
export function rateLimited(retryAfterSeconds: number, header?: string): DiscordReply {
  return {
    status: 429,
    headers: header === undefined ? {} : { 'retry-after': header },
    body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global: false },
  };
}

export class FakeDiscord {
  readonly requests: DiscordRequest[] = [];
  readonly #replies: DiscordReply[] = [];
  readonly #server: Server;
  #port = 0;

  private constructor() {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        this.requests.push({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          json,
          at: Date.now(),
        });
        const reply = this.#replies.shift() ?? { status: 204 };
        if (reply.drop === true) {
          request.socket.destroy();
          return;
        }
        const body =
          reply.body === undefined
            ? undefined
            : typeof reply.body === 'string'
              ? reply.body
              : JSON.stringify(reply.body);
        response.writeHead(reply.status, {
          ...(body === undefined || typeof reply.body === 'string'
            ? {}
            : { 'content-type': 'application/json' }),
          ...reply.headers,
        });
        response.end(body);
      });
    });
  }

  static async start(): Promise<FakeDiscord> {
    const discord = new FakeDiscord();
    await new Promise<void>((resolve, reject) => {
      discord.#server.once('error', reject);
      discord.#server.listen(0, '127.0.0.1', () => resolve());
    });
    discord.#port = (discord.#server.address() as AddressInfo).port;
    return discord;
  }

  /**
   * A webhook URL on this server with a fresh random token (68 characters, like Discord's), so
   * a test can look for the token in logs and errors.
   */
  webhook(id = '112233445566778899'): { url: string; token: string } {
    const token = randomBytes(51).toString('base64url');
    return { url: `http://127.0.0.1:${this.#port}/api/webhooks/${id}/${token}`, token };
  }

  /** Replies for the next requests, in order. */
  reply(...replies: DiscordReply[]): void {
    this.#replies.push(...replies);
  }

  /** The JSON bodies received, in order. */
  get bodies(): unknown[] {
    return this.requests.map((request) => request.json);
  }

  reset(): void {
    this.requests.length = 0;
    this.#replies.length = 0;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
    this.#server.closeAllConnections();
    await closed;
  }
}
