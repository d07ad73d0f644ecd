import { BridgeError } from '../errors.ts';

/**
 * Discord did not take a message. The message names the webhook by its secret, never by URL:
 * a webhook URL is a bearer credential (anyone holding it can post to the channel).
 */
export class DiscordError extends BridgeError {
  /** The secret the webhook URL came from. */
  readonly secret: string;
  /** Discord's HTTP status; undefined for a network failure or a timeout. */
  readonly status: number | undefined;
  /** The wait Discord asked for (429 retry_after or Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    secret: string,
    problem: string,
    options: { status?: number; retryAfterMs?: number; retryable: boolean },
  ) {
    super(`Discord webhook of secret ${secret}: ${problem}`, { retryable: options.retryable });
    this.name = 'DiscordError';
    this.secret = secret;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}
