import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/*
 * A small Confluent Schema Registry for tests: the REST subset a serializer library and the
 * bridge's decoder call (register a schema under a subject, read and set a subject's
 * compatibility, read a schema by id), with Confluent's status codes and error bodies. The
 * decoding tests use Apicurio Registry (startApicurio) for the formats, and this one where a
 * registry must go away and come back on the same port (`stop()`, then `start()` again): Apicurio
 * takes half a minute to start and may be shared by other test files.
 */

interface Stored {
  readonly schema: string;
  readonly schemaType?: string;
}

export class TestConfluentRegistry {
  readonly #schemas = new Map<number, Stored>();
  readonly #config = new Map<string, string>();
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) =>
        send(response, 500, { error_code: 50001, message: String(error) }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', resolve);
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://registry');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const body = await readJson(request);
    if (request.method === 'GET' && parts[0] === 'schemas' && parts[1] === 'ids' && parts.length === 3) {
      const stored = this.#schemas.get(Number(parts[2]));
      if (stored === undefined)
        return send(response, 404, { error_code: 40403, message: 'Schema not found' });
      return send(response, 200, stored);
    }
    if (parts[0] === 'config' && parts.length === 2) {
      const subject = parts[1] as string;
      if (request.method === 'PUT') {
        const level = String((body as { compatibility?: unknown }).compatibility);
        this.#config.set(subject, level);
        return send(response, 200, { compatibility: level });
      }
      const level = this.#config.get(subject);
      if (level === undefined)
        return send(response, 404, { error_code: 40401, message: 'Subject not found' });
      return send(response, 200, { compatibilityLevel: level });
    }
    if (
      request.method === 'POST' &&
      parts[0] === 'subjects' &&
      parts[2] === 'versions' &&
      parts.length === 3
    ) {
      const { schema, schemaType } = body as { schema?: unknown; schemaType?: unknown };
      if (typeof schema !== 'string')
        return send(response, 422, { error_code: 42201, message: 'Invalid schema' });
      for (const [id, stored] of this.#schemas)
        if (stored.schema === schema) return send(response, 200, { id });
      const id = this.#schemas.size + 1;
      this.#schemas.set(id, typeof schemaType === 'string' ? { schema, schemaType } : { schema });
      return send(response, 200, { id });
    }
    send(response, 404, {
      error_code: 404,
      message: `not in this test registry: ${request.method} ${url.pathname}`,
    });
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
  response.end(JSON.stringify(body));
}

/**
 * Apicurio Registry's Confluent-compatible API, started by scripts/apicurio.sh (idempotent; the
 * first start builds it, a few minutes); its URL.
 */
export function startApicurio(): Promise<string> {
  const script = fileURLToPath(new URL('../../scripts/apicurio.sh', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile('bash', [script, 'start'], { timeout: 900_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`scripts/apicurio.sh start failed: ${stderr}`, { cause: error }));
      else
        execFile('bash', [script, 'url'], (urlError, url) =>
          urlError ? reject(urlError) : resolve(url.trim()),
        );
    });
  });
}
