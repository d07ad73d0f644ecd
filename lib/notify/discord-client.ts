import { setTimeout as sleepFor } from 'node:timers/promises';
import { type BackoffPolicy, parseRetryAfter, RetryError, retry } from '../retry/index.ts';
import type { DiscordMessage } from './discord.ts';
import { DiscordError } from './discord-error.ts';
import { redactWebhook } from './redact.ts';
import type { Webhook } from './webhook.ts';

export interface DiscordClientOptions {
  /** Attempts per message, the first included. Default 4. */
  readonly attempts?: number;
  /** Backoff for 5xx and network failures; a 429 waits what Discord asked for instead. */
  readonly policy?: BackoffPolicy;
  /** Per request. Default 5 s: Discord answers in well under a second when it is up. */
  readonly timeoutMs?: number;
  /**
   * The longest 429 wait honoured in process. A longer one (a global or a Cloudflare ban can
   * ask for minutes) fails the message at once: waiting would only burn Lambda time. Default 30 s.
   */
  readonly maxRetryAfterMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

const DEFAULT_POLICY: BackoffPolicy = { baseMs: 250, maxMs: 4_000, jitter: 'full' };
/** How much of Discord's error body goes into the error message: enough for its JSON `message` and `code`. */
const BODY_EXCERPT = 300;

/**
 * Posts messages to Discord webhooks: honours 429 (`retry_after` in the JSON body, seconds as a
 * float, or the Retry-After header), retries 5xx, timeouts and network failures with backoff,
 * and gives up at once on any other 4xx (a deleted webhook, a malformed message: trying again
 * cannot help). Errors are DiscordError, with the URL redacted from everything they carry.
 */
export class DiscordClient {
  readonly #attempts: number;
  readonly #policy: BackoffPolicy;
  readonly #timeoutMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #fetch: typeof fetch;
  readonly #options: DiscordClientOptions;
  /**
   * Per webhook URL: when its rate-limit bucket refills, after Discord said it is empty
   * (`X-RateLimit-Remaining: 0`). Waiting for it avoids a 429 on the next message of a batch.
   */
  readonly #bucketResetAt = new Map<string, number>();

  constructor(options: DiscordClientOptions = {}) {
    this.#attempts = options.attempts ?? 4;
    this.#policy = options.policy ?? DEFAULT_POLICY;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
    this.#options = options;
  }

  /**
   * Sends one message; resolves when Discord accepted it (any 2xx). `deadline` (ms since the
   * epoch) bounds the waits between attempts, so a Lambda stops retrying before it times out.
   * Throws DiscordError (retryable says whether a later try may work).
   */
  async post(webhook: Webhook, message: DiscordMessage, deadline?: number): Promise<void> {
    await this.#waitForBucket(webhook, deadline);
    try {
      await retry(() => this.#postOnce(webhook, message), {
        attempts: this.#attempts,
        policy: this.#policy,
        shouldRetry: (error) => {
          if (!(error instanceof DiscordError) || !error.retryable) return false;
          return error.retryAfterMs === undefined ? true : { afterMs: error.retryAfterMs };
        },
        ...(deadline === undefined ? {} : { deadline }),
        ...(this.#options.sleep === undefined ? {} : { sleep: this.#options.sleep }),
        ...(this.#options.now === undefined ? {} : { now: this.#options.now }),
        ...(this.#options.random === undefined ? {} : { random: this.#options.random }),
      });
    } catch (error) {
      if (!(error instanceof RetryError)) throw error;
      const last = error.lastError;
      // The last DiscordError says what Discord answered; the RetryError adds how hard we tried.
      if (last instanceof DiscordError) {
        throw new DiscordError(
          webhook.secret,
          `${describeLast(last)}; gave up after ${attemptsText(error)}`,
          {
            ...(last.status === undefined ? {} : { status: last.status }),
            ...(last.retryAfterMs === undefined ? {} : { retryAfterMs: last.retryAfterMs }),
            retryable: last.retryable,
          },
        );
      }
      throw error;
    }
  }

  /**
   * Waits until the webhook's bucket refills, when the last answer said it was empty. A wait
   * that would pass the deadline or the longest honoured wait is skipped: the post then meets
   * a 429 and its retry_after, which decides as usual.
   */
  async #waitForBucket(webhook: Webhook, deadline: number | undefined): Promise<void> {
    const resetAt = this.#bucketResetAt.get(webhook.url);
    if (resetAt === undefined) return;
    this.#bucketResetAt.delete(webhook.url);
    const now = (this.#options.now ?? Date.now)();
    const waitMs = resetAt - now;
    if (waitMs <= 0 || waitMs > this.#maxRetryAfterMs) return;
    if (deadline !== undefined && now + waitMs > deadline) return;
    const sleep = this.#options.sleep ?? ((ms: number) => sleepFor(ms));
    await sleep(waitMs, undefined);
  }

  #rememberBucket(webhook: Webhook, headers: Headers): void {
    const reset = headers.get('x-ratelimit-reset-after');
    if (headers.get('x-ratelimit-remaining') !== '0' || reset === null) return;
    const seconds = Number(reset);
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.#bucketResetAt.set(webhook.url, (this.#options.now ?? Date.now)() + Math.ceil(seconds * 1000));
  }

  async #postOnce(webhook: Webhook, message: DiscordMessage): Promise<void> {
    let response: Response;
    try {
      response = await this.#fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'kafka-bridge-notifier (kafka-bridge, 1)',
        },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(this.#timeoutMs),
        // Not followed: a 3xx would carry the message (and fetch would keep the method and body
        // on a 307) to whatever host the answer names. Discord's webhooks do not redirect.
        redirect: 'manual',
      });
    } catch (error) {
      // The raw error is not kept as `cause`: fetch errors may quote the request URL, and
      // loggers print causes. What it says is copied, redacted, into the message instead.
      throw new DiscordError(
        webhook.secret,
        `request failed: ${redactWebhook(networkReason(error), webhook.url)}`,
        {
          retryable: true,
        },
      );
    }
    this.#rememberBucket(webhook, response.headers);
    if (response.ok) {
      // Drain the body so the connection goes back to the pool.
      await response.arrayBuffer().catch(() => undefined);
      return;
    }
    const body = await response
      .text()
      .catch((error: unknown) => `(body unreadable: ${networkReason(error)})`);
    const excerpt = redactWebhook(body.slice(0, BODY_EXCERPT), webhook.url);
    const status = response.status;
    if (status === 429) {
      const retryAfterMs = retryAfterOf(body, response.headers.get('retry-after'));
      if (retryAfterMs !== undefined && retryAfterMs > this.#maxRetryAfterMs) {
        throw new DiscordError(
          webhook.secret,
          `rate limited for ${retryAfterMs} ms, longer than the ${this.#maxRetryAfterMs} ms this notifier waits: ${excerpt}`,
          { status, retryAfterMs, retryable: false },
        );
      }
      throw new DiscordError(webhook.secret, `rate limited (429): ${excerpt}`, {
        status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        retryable: true,
      });
    }
    const retryable = status >= 500 || status === 408;
    throw new DiscordError(webhook.secret, `HTTP ${status}: ${excerpt}`, { status, retryable });
  }
}

/** Discord's 429 wait in ms: the body's `retry_after` (seconds, a float) wins, else the Retry-After header. */
export function retryAfterOf(body: string, header: string | null): number | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'retry_after' in parsed) {
      const seconds = parsed.retry_after;
      if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0)
        return Math.ceil(seconds * 1000);
    }
  } catch {
    // Not JSON (a proxy's HTML page): the header is all there is.
  }
  return parseRetryAfter(header);
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return `timed out (${error.message})`;
  // undici's "fetch failed" hides the interesting part in `cause` (ECONNREFUSED, ENOTFOUND).
  const cause = error.cause;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  const detail = cause instanceof Error ? cause.message : undefined;
  return [error.message, code, detail].filter((part) => part !== undefined && part !== '').join(': ');
}

function describeLast(error: DiscordError): string {
  const prefix = `Discord webhook of secret ${error.secret}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

function attemptsText(error: RetryError): string {
  const n = error.attempts.length;
  const why = {
    exhausted: 'no attempts left',
    'not-retryable': 'not retryable',
    deadline: 'the next attempt would pass the deadline',
    aborted: 'aborted',
  }[error.stoppedBy];
  return `${n} attempt${n === 1 ? '' : 's'} (${why})`;
}
