import { Agent, type Dispatcher } from 'undici';
import { readClientCertificate } from '../aws/client-certificate.ts';
import type { SecretReader } from '../aws/secrets.ts';
import type { EndpointAuth } from '../config/index.ts';
import { OAuth2TokenSource } from './oauth2.ts';

/** What one request carries for the endpoint's authentication. */
export interface RequestAuth {
  /** The `authorization` header, when the route uses OAuth2. */
  readonly headers: Readonly<Record<string, string>>;
  /** The connection pool with the client certificate, when the route uses mTLS. */
  readonly dispatcher?: Dispatcher;
  /** The bearer token sent, to drop it when the endpoint answers 401. */
  readonly token?: string;
}

/**
 * The route's `endpoint.auth` (docs/deliver.md, Endpoint authentication): an OAuth2 bearer
 * token (OAuth2TokenSource) and/or a client certificate presented in the TLS handshake (an
 * undici Agent of its own, rebuilt when the secret's certificate changes, so a rotated
 * certificate is used within the secret cache's 5 minutes).
 */
export class EndpointAuthenticator {
  readonly #auth: EndpointAuth | undefined;
  readonly #secrets: SecretReader;
  readonly #tokens: OAuth2TokenSource | undefined;
  #agent:
    | { readonly cert: string; readonly key: string; readonly ca: string; readonly agent: Agent }
    | undefined;

  constructor(auth: EndpointAuth | undefined, secrets: SecretReader, options: { now?: () => number } = {}) {
    this.#auth = auth;
    this.#secrets = secrets;
    this.#tokens =
      auth?.oauth2 === undefined ? undefined : new OAuth2TokenSource(auth.oauth2, secrets, options);
  }

  async prepare(): Promise<RequestAuth> {
    const token = this.#tokens === undefined ? undefined : await this.#tokens.token();
    const dispatcher = await this.#dispatcher();
    return {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ...(dispatcher === undefined ? {} : { dispatcher }),
      ...(token === undefined ? {} : { token }),
    };
  }

  /** True when the request may be sent again with a new token: it carried one, now dropped. */
  async refused(auth: RequestAuth): Promise<boolean> {
    if (this.#tokens === undefined || auth.token === undefined) return false;
    await this.#tokens.invalidate(auth.token);
    return true;
  }

  async #dispatcher(): Promise<Dispatcher | undefined> {
    const secret = this.#auth?.clientCertificateSecret;
    if (secret === undefined) return undefined;
    const { cert, key, ca = '' } = await readClientCertificate(this.#secrets, secret);
    const current = this.#agent;
    if (current !== undefined && current.cert === cert && current.key === key && current.ca === ca) {
      return current.agent;
    }
    const agent = new Agent({ connect: { cert, key, ...(ca === '' ? {} : { ca }) } });
    this.#agent = { cert, key, ca, agent };
    // Requests in flight on the old pool finish; it closes after them.
    current?.agent.close().catch(() => undefined);
    return agent;
  }
}
