import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliContext } from '../cli/context.ts';
import { Jobs } from './jobs.ts';
import { Readings } from './readings.ts';
import { type Page, type PageContext, renderPage, route } from './router.ts';
import { ConsoleAccess } from './session.ts';

export interface ConsoleOptions {
  readonly ctx: CliContext;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Without it the console only reads: no replay buttons, and its POST requests answer 403. */
  readonly allowReplay?: boolean;
  /** How often the per-minute readings are taken (default 15 s). */
  readonly readingsMs?: number;
  /** How long the session the printed URL opens lasts (default 12 hours, session.ts). */
  readonly sessionTtlMs?: number;
}

export interface RunningConsole {
  /** The URL with the one-time access token, to print. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const ASSETS = new URL('./assets/', import.meta.url);
const STATIC: Record<string, string> = {
  '/static/console.js': 'text/javascript; charset=utf-8',
  '/static/console.css': 'text/css; charset=utf-8',
};

/**
 * Every answer carries these: scripts and styles only from the console itself (no inline
 * script, so markup injected through data could not run even if escaping failed), nothing
 * framed, no referrer, nothing cached.
 */
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/**
 * The operator console (docs/console.md): pages built on the CLI's functions, served on the
 * loopback address only. The printed URL's token is exchanged once for a session cookie
 * (session.ts); every other request needs that cookie, a POST also an Origin of this console,
 * and every request a Host header naming this address and port, so a DNS name rebound to
 * 127.0.0.1 gets nothing.
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const access = new ConsoleAccess(options.sessionTtlMs === undefined ? {} : { ttlMs: options.sessionTtlMs });
  const token = access.token;
  const jobs = new Jobs();
  const readings = new Readings(options.ctx, options.readingsMs ?? 15_000);
  let host = '';
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        send(response, 500, 'text/plain; charset=utf-8', `console error: ${String(error)}`);
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers.host !== host) {
      return send(
        response,
        403,
        'text/plain; charset=utf-8',
        `forbidden: the console answers only to Host ${host}\n`,
      );
    }
    const url = new URL(request.url ?? '/', `http://${host}`);
    const given = url.searchParams.get('token');
    if (request.method === 'GET' && given !== null) {
      const session = access.exchange(given);
      if (session === undefined) {
        return send(
          response,
          401,
          'text/plain; charset=utf-8',
          'unauthorized: this link was used already (it works once) or is wrong; start the console again for a new one\n',
        );
      }
      // The same page without the token: no URL the browser keeps holds it.
      url.searchParams.delete('token');
      response.writeHead(303, {
        ...SECURITY_HEADERS,
        location: `${url.pathname}${url.search}`,
        'set-cookie': access.cookie(session),
      });
      response.end();
      return;
    }
    if (!access.valid(header(request, 'cookie'))) {
      return send(
        response,
        401,
        'text/plain; charset=utf-8',
        'unauthorized: open the URL the console printed (it works once, then the browser keeps a session)\n',
      );
    }
    if (request.method === 'POST' && header(request, 'origin') !== `http://${host}`) {
      return send(
        response,
        403,
        'text/plain; charset=utf-8',
        'forbidden: a change must come from the console itself\n',
      );
    }
    const type = STATIC[url.pathname];
    if (request.method === 'GET' && type !== undefined) {
      return send(response, 200, type, await readFile(new URL(url.pathname.slice(8), ASSETS)));
    }
    const context: PageContext = {
      ctx: options.ctx,
      url,
      href: (path, params = {}) => hrefOf(path, params),
      allowReplay: options.allowReplay === true,
      jobs,
      readings,
    };
    if (request.method === 'POST') {
      const body = await readJson(request);
      const { status, value } = await route.post(
        context,
        url.pathname,
        body,
        request.headers['content-type'],
      );
      return send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));
    }
    if (request.method !== 'GET') {
      return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const page: Page = await route.get(context, url.pathname);
    return send(response, page.status ?? 200, 'text/html; charset=utf-8', renderPage(context, page));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  host = `${HOST}:${port}`;
  readings.start();
  return {
    url: `http://${host}/?token=${token}`,
    origin: `http://${host}`,
    token,
    close: async () => {
      await readings.stop();
      await jobs.settle(10_000);
      await closeServer(server);
    },
  };
}

function hrefOf(path: string, params: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') query.set(name, value);
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 256 * 1024) throw new Error('request body over 256 KiB');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type });
  response.end(body);
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
