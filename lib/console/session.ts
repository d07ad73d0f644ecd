import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The session cookie's name. */
export const SESSION_COOKIE = 'kb_console';
/** How long a session lasts: a working day. Then the console must be started again. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

/**
 * The console's access: the URL it prints holds a random token that is good for one exchange,
 * for a session cookie (HttpOnly, SameSite=Strict, expiring). The browser is then sent to the
 * same page without the token, so no URL it shows, keeps in its history or sends as a referrer
 * holds a secret, and a screenshot of the address bar gives nothing away. SameSite=Strict keeps
 * the cookie off requests another site starts (links, forms, scripts).
 */
export class ConsoleAccess {
  readonly token = randomBytes(24).toString('base64url');
  readonly #sessions = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #tokenExpiresAt: number;
  #used = false;

  constructor(options: { readonly ttlMs?: number; readonly now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? SESSION_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#tokenExpiresAt = this.#now() + this.#ttlMs;
  }

  /** A new session for the token, once; undefined for a wrong, used or expired token. */
  exchange(given: string): string | undefined {
    if (this.#used || this.#now() >= this.#tokenExpiresAt || !same(given, this.token)) return undefined;
    this.#used = true;
    const session = randomBytes(24).toString('base64url');
    this.#sessions.set(session, this.#now() + this.#ttlMs);
    return session;
  }

  /** The Set-Cookie value of a session. */
  cookie(session: string): string {
    return `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.#ttlMs / 1000)}`;
  }

  /** Whether the request's Cookie header holds a live session. */
  valid(cookieHeader: string | undefined): boolean {
    const session = sessionOf(cookieHeader);
    if (session === undefined) return false;
    for (const [known, expiresAt] of this.#sessions) {
      if (!same(session, known)) continue;
      if (this.#now() < expiresAt) return true;
      this.#sessions.delete(known);
    }
    return false;
  }
}

function sessionOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}

function same(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
