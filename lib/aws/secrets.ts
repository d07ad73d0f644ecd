import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BridgeError, jsonSyntaxError } from '../errors.ts';
import type { ResourceAccess } from './access.ts';
import { isRetryableAwsError } from './errors.ts';

/** A secret could not be read or is not what its user expects. The message never holds the value. */
export class SecretError extends BridgeError {
  readonly secret: string;
  constructor(secret: string, problem: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(`secret ${secret}: ${problem}`, options);
    this.name = 'SecretError';
    this.secret = secret;
  }
}

/** What reading a secret calls: GetSecretValue on that secret. */
export const SECRET_READ_ACCESS: ResourceAccess = { actions: ['secretsmanager:GetSecretValue'] };

/**
 * Reads Secrets Manager values with a short cache: Lambda containers and the poller live for
 * hours, so a rotated secret is picked up after `ttlMs`, and a warm invocation costs no call.
 */
export class SecretReader {
  readonly #client: SecretsManagerClient;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { value: Promise<string>; expiresAt: number }>();

  constructor(client: SecretsManagerClient, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#client = client;
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** The secret's string value. */
  async text(secret: string): Promise<string> {
    const now = this.#now();
    const cached = this.#cache.get(secret);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = this.#fetch(secret);
    this.#cache.set(secret, { value, expiresAt: now + this.#ttlMs });
    // A failed read must not be cached: the next call tries again.
    value.catch(() => this.#cache.delete(secret));
    return value;
  }

  /** The secret parsed as a JSON object whose values are all strings (headers, credentials). */
  async stringMap(secret: string): Promise<Record<string, string>> {
    const text = await this.text(secret);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SecretError(secret, 'is not JSON (expected an object of strings)', {
        cause: jsonSyntaxError(error),
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SecretError(secret, 'is not a JSON object of strings');
    }
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value !== 'string')
        throw new SecretError(secret, `field ${JSON.stringify(name)} is not a string`);
      result[name] = value;
    }
    return result;
  }

  async #fetch(secret: string): Promise<string> {
    try {
      const out = await this.#client.send(new GetSecretValueCommand({ SecretId: secret }));
      if (out.SecretString !== undefined) return out.SecretString;
      if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString('utf8');
      throw new SecretError(secret, 'has no value');
    } catch (error) {
      if (error instanceof SecretError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new SecretError(secret, `could not be read: ${reason}`, {
        cause: error,
        retryable: isRetryableAwsError(error),
      });
    }
  }
}
