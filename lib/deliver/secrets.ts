import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isRetryableAwsError } from '../aws/errors.ts';
import { BridgeError } from '../errors.ts';

/** A secret could not be read, or does not hold what the route needs. */
export class SecretError extends BridgeError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options);
    this.name = 'SecretError';
  }
}

/**
 * Secret strings cached per warm Lambda container: a Secrets Manager call per record would be
 * slow and billed. Entries expire after `ttlMs` so a rotated secret is picked up within it.
 */
export class SecretCache {
  readonly #client: SecretsManagerClient;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { value: Promise<string>; until: number }>();

  constructor(client: SecretsManagerClient, ttlMs = 5 * 60_000, now: () => number = Date.now) {
    this.#client = client;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The SecretString of `secretId` (a name or an ARN). */
  get(secretId: string): Promise<string> {
    const now = this.#now();
    const cached = this.#entries.get(secretId);
    if (cached !== undefined && cached.until > now) return cached.value;
    const value = this.#fetch(secretId);
    this.#entries.set(secretId, { value, until: now + this.#ttlMs });
    // A failed read must not stay cached: the next record tries again.
    value.catch(() => this.#entries.delete(secretId));
    return value;
  }

  /** A secret holding a JSON object of header names to string values. */
  async headers(secretId: string): Promise<Record<string, string>> {
    const text = await this.get(secretId);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new SecretError(`headers secret ${secretId} is not JSON (expected {"Header-Name": "value"})`, {
        cause: error,
      });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new SecretError(`headers secret ${secretId} is not a JSON object of header names to values`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(json)) {
      if (typeof value !== 'string') {
        throw new SecretError(`headers secret ${secretId}: header ${JSON.stringify(name)} is not a string`);
      }
      headers[name] = value;
    }
    return headers;
  }

  async #fetch(secretId: string): Promise<string> {
    try {
      const out = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (out.SecretString === undefined) {
        throw new SecretError(`secret ${secretId} has no SecretString (binary secrets are not supported)`);
      }
      return out.SecretString;
    } catch (error) {
      if (error instanceof SecretError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new SecretError(`cannot read secret ${secretId}: ${reason}`, {
        cause: error,
        retryable: isRetryableAwsError(error),
      });
    }
  }
}
