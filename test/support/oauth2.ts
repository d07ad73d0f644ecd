// A real OAuth2 authorization server for the endpoint-authentication tests: oidc-provider (MIT)
// on loopback with the client credentials grant, one client, and opaque access tokens the tests
// check with the server itself. Counts the token requests it answered.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const OAUTH_CLIENT = { clientId: 'bridge-route', clientSecret: 'client-secret-of-the-route-0123' };
export const OAUTH_SCOPE = 'orders:write';

export class AuthorizationServer {
  /** Token requests answered (any outcome). */
  tokenRequests = 0;
  readonly #provider: Provider;
  readonly #server: Server;

  private constructor(provider: Provider, server: Server) {
    this.#provider = provider;
    this.#server = server;
  }

  /** Starts on `port` (0: a free one); tokens live `ttlSeconds`. */
  static async start(options: { port?: number; ttlSeconds?: number } = {}): Promise<AuthorizationServer> {
    const port = options.port ?? 0;
    const { createServer } = await import('node:http');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: OAUTH_CLIENT.clientId,
          client_secret: OAUTH_CLIENT.clientSecret,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          scope: OAUTH_SCOPE,
        },
      ],
      scopes: [OAUTH_SCOPE],
      features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
      ttl: { ClientCredentials: options.ttlSeconds ?? 3600 },
    });
    const authorization = new AuthorizationServer(provider, server);
    provider.use(async (ctx, next) => {
      if (ctx.path === '/token') authorization.tokenRequests += 1;
      await next();
    });
    server.on('request', provider.callback());
    return authorization;
  }

  get tokenUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/token`;
  }

  /** The scope of `authorization` (`Bearer <token>`) when the server issued it and it is still valid. */
  async scopeOf(authorization: string | undefined): Promise<string | undefined> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return undefined;
    const found = await this.#provider.ClientCredentials.find(token);
    return found === undefined || found.isExpired ? undefined : (found.scope ?? '');
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
