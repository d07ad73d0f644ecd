import { requiredField } from '../aws/client-certificate.ts';
import type { SecretReader } from '../aws/secrets.ts';
import type { EndpointAuth } from '../config/index.ts';
import { BridgeError } from '../errors.ts';
import { networkErrorClass } from './network-error.ts';

export type OAuth2Config = NonNullable<EndpointAuth['oauth2']>;

/**
 * The token endpoint could not give a token. Always retryable and never an answer of the
 * endpoint: the record goes back with its backoff and is never dead-lettered for it (a token
 * server that is down says nothing about the record). The message never holds the secret.
 */
export class TokenError extends BridgeError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: true });
    this.name = 'TokenError';
  }
}

const CREDENTIALS_FORMAT = 'expected JSON {"clientId","clientSecret"}';
/** Tokens are renewed this long before they expire, or at 90% of a shorter lifetime. */
export const TOKEN_RENEW_MARGIN_MS = 60_000;
/** A token answer without expires_in is kept this long. */
const DEFAULT_LIFETIME_MS = 5 * 60_000;

interface Cached {
  readonly token: Promise<string>;
  /** When to fetch a new one; set once the answer came. */
  renewAt: number;
}

/**
 * OAuth2 client credentials (RFC 6749 4.4): POSTs `grant_type=client_credentials` with the
 * client id and secret as HTTP Basic (`client_secret_basic`), plus `scope` and `audience` when
 * set, and caches the bearer token until shortly before `expires_in`. Calls at once share one
 * token request. `invalidate` drops a token the endpoint refused (401), so the next call fetches
 * a new one.
 */
export class OAuth2TokenSource {
  readonly #config: OAuth2Config;
  readonly #secrets: SecretReader;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  #cached: Cached | undefined;

  constructor(
    config: OAuth2Config,
    secrets: SecretReader,
    options: { now?: () => number; timeoutMs?: number } = {},
  ) {
    this.#config = config;
    this.#secrets = secrets;
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  token(): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() < cached.renewAt) return cached.token;
    const entry: Cached = { token: Promise.resolve(''), renewAt: Number.POSITIVE_INFINITY };
    const token = this.#fetch().then(
      ({ accessToken, lifetimeMs }) => {
        entry.renewAt = this.#now() + renewAfterMs(lifetimeMs);
        return accessToken;
      },
      (error: unknown) => {
        if (this.#cached === entry) this.#cached = undefined;
        throw error;
      },
    );
    Object.assign(entry, { token });
    this.#cached = entry;
    return token;
  }

  /** Forgets `token` (the endpoint answered 401 with it); a newer token is kept. */
  async invalidate(token: string): Promise<void> {
    const cached = this.#cached;
    if (cached !== undefined && (await cached.token.catch(() => undefined)) === token)
      this.#cached = undefined;
  }

  async #fetch(): Promise<{ accessToken: string; lifetimeMs: number }> {
    const { tokenUrl, credentialsSecret, scope, audience } = this.#config;
    const fields = await this.#secrets.stringMap(credentialsSecret);
    const clientId = requiredField(credentialsSecret, fields, 'clientId', CREDENTIALS_FORMAT);
    const clientSecret = requiredField(credentialsSecret, fields, 'clientSecret', CREDENTIALS_FORMAT);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope !== undefined) form.set('scope', scope);
    if (audience !== undefined) form.set('audience', audience);
    // RFC 6749 2.3.1: both parts form-urlencoded before the Basic encoding.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
      'base64',
    );
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new TokenError(`token endpoint ${originOf(tokenUrl)}: ${networkErrorClass(error)}`, {
        cause: error,
      });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      // The OAuth2 error code only (RFC 6749 5.2): the description may echo what was sent.
      throw new TokenError(
        `token endpoint ${originOf(tokenUrl)} answered ${response.status}${errorCode(text)}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TokenError(
        `token endpoint ${originOf(tokenUrl)} answered ${response.status} with a body that is not JSON`,
      );
    }
    const { access_token: accessToken, expires_in: expiresIn } = (body ?? {}) as Record<string, unknown>;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new TokenError(`token endpoint ${originOf(tokenUrl)} answered without an access_token`);
    }
    const seconds = typeof expiresIn === 'number' ? expiresIn : Number(expiresIn);
    const lifetimeMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LIFETIME_MS;
    return { accessToken, lifetimeMs };
  }
}

/** How long a token of `lifetimeMs` is used: until a minute before it expires, or 90% of a shorter life. */
export function renewAfterMs(lifetimeMs: number): number {
  return Math.max(lifetimeMs - TOKEN_RENEW_MARGIN_MS, lifetimeMs * 0.9);
}

function originOf(url: string): string {
  return URL.parse(url)?.origin ?? 'of the route';
}

function errorCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: unknown }).error;
    return typeof code === 'string' && /^[\x20-\x7e]{1,64}$/.test(code) ? ` (${code})` : '';
  } catch {
    return '';
  }
}
