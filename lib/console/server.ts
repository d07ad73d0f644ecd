import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliContext } from '../cli/context.ts';
import { Jobs } from './jobs.ts';
import { Readings } from './readings.ts';
import { type Page, type PageContext, renderPage, route } from './router.ts';

export interface ConsoleOptions {
  readonly ctx: CliContext;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Without it the console only reads: no replay buttons, and its POST requests answer 403. */
  readonly allowReplay?: boolean;
  /** How often the per-minute readings are taken (default 15 s). */
  readonly readingsMs?: number;
}

export interface RunningConsole {
  /** The URL with the access token, to print. */
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
 * framed, no referrer (the URL holds the token), nothing cached.
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
 * loopback address only. Every request needs the random token (query `token` on GET, header
 * `x-console-token` on POST: a form or link from another site cannot set it), and its Host
 * header must name this address and port, so a DNS name rebound to 127.0.0.1 gets nothing.
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const token = randomBytes(24).toString('base64url');
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
    const given =
      request.method === 'POST'
        ? header(request, 'x-console-token')
        : (url.searchParams.get('token') ?? undefined);
    if (!sameSecret(given, token)) {
      return send(
        response,
        401,
        'text/plain; charset=utf-8',
        'unauthorized: open the URL the console printed (it holds the token)\n',
      );
    }
    const type = STATIC[url.pathname];
    if (request.method === 'GET' && type !== undefined) {
      return send(response, 200, type, await readFile(new URL(url.pathname.slice(8), ASSETS)));
    }
    const context: PageContext = {
      ctx: options.ctx,
      url,
      href: (path, params = {}) => hrefOf(token, path, params),
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
    url: hrefOf(token, `http://${host}/`, {}),
    origin: `http://${host}`,
    token,
    close: async () => {
      await readings.stop();
      await jobs.settle(10_000);
      await closeServer(server);
    },
  };
}

function hrefOf(token: string, path: string, params: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') query.set(name, value);
  query.set('token', token);
  return `${path}?${query}`;
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
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
