import { BridgeError } from '../errors.ts';
import { RetryError, retry } from '../retry/index.ts';
import { DeliveryError } from './errors.ts';
import { attemptsAllowed } from './give-up.ts';
import { METRICS } from './observability.ts';
import type { LoadedRecord } from './payload.ts';
import type { RecordContext, StepWiring } from './record-context.ts';
import { RetryLaterError } from './retry-later-error.ts';
import type { Target } from './target.ts';

/** What the calls of one receive came to. */
export type CallResult =
  | { readonly kind: 'delivered'; readonly made: number }
  /** The endpoint's answers failed every call allowed (`last` is the last answer). */
  | { readonly kind: 'failed'; readonly error: RetryError; readonly last: DeliveryError };

export interface CallerOptions extends StepWiring {
  readonly target: Target;
}

/**
 * The "call with retries" step: asks the circuit breaker, then calls the target with in-process
 * retries (backoff with full jitter, or the server's Retry-After) while the invocation has time.
 * Throws RetryLaterError, after setting the visibility, when the record gets no call at all
 * (no time left, breaker open), and the bridge's own errors (a secret that cannot be read).
 */
export class Caller {
  readonly #o: CallerOptions;

  constructor(options: CallerOptions) {
    this.#o = options;
  }

  async call(ctx: RecordContext, loaded: LoadedRecord, prior: number): Promise<CallResult> {
    const { route, now } = this.#o;
    if (now() > ctx.deadline) {
      // No time left for even one call in this invocation: hand the message back at once, uncounted.
      await this.#o.visibility.change(ctx.record, 0);
      throw new RetryLaterError(
        ctx.id,
        0,
        new BridgeError('the invocation has no time left for a call', { retryable: true }),
      );
    }
    const probe = await this.#admit(ctx);
    const breaker = ctx.batch.breaker;
    const allowed = attemptsAllowed({
      probe,
      block: route.onPoison === 'block',
      inProcess: route.retry.inProcessAttempts,
      maxAttempts: route.retry.attempts,
      prior,
    });
    let made = 0;
    try {
      await retry(
        async ({ signal }) => {
          made++;
          const started = now();
          try {
            const response = await this.#o.target.deliver({
              envelope: loaded.envelope,
              payload: loaded.payload,
              recordId: ctx.id,
              ...(signal === undefined ? {} : { signal }),
            });
            this.#o.metrics.duration(METRICS.latency, now() - started);
            breaker?.record(false);
            return response;
          } catch (error) {
            this.#o.metrics.count(METRICS.failure, 1);
            breaker?.record(error instanceof DeliveryError && error.retryable);
            throw error;
          }
        },
        {
          attempts: allowed,
          policy: this.#o.policy,
          deadline: ctx.deadline,
          now,
          random: this.#o.random,
          shouldRetry: (error) => {
            if (!(error instanceof DeliveryError) || !error.retryable) return false;
            return error.retryAfterMs === undefined ? true : { afterMs: error.retryAfterMs };
          },
        },
      );
    } catch (error) {
      if (!(error instanceof RetryError)) throw error;
      const last = error.lastError;
      // Only an answer that says the endpoint is unwell keeps the breaker open; a 400 proves it is up.
      if (probe) await breaker?.probeResult(!(last instanceof DeliveryError && last.retryable));
      // Not an answer of the endpoint (a secret that cannot be read): the bridge's problem.
      if (!(last instanceof DeliveryError)) throw last;
      return { kind: 'failed', error, last };
    }
    if (probe) await breaker?.probeResult(true);
    return { kind: 'delivered', made };
  }

  /** Asks the route's breaker for a call; true when the call is its probe. Throws RetryLaterError when held. */
  async #admit(ctx: RecordContext): Promise<boolean> {
    const breaker = ctx.batch.breaker;
    if (breaker === undefined) return false;
    // This batch's own failures may already say the endpoint is down: share that before calling on.
    if (breaker.trippedLocally) await breaker.flush();
    const admission = await breaker.admit();
    if (admission.kind === 'hold') {
      this.#o.metrics.count(METRICS.held, 1);
      await this.#o.visibility.change(ctx.record, admission.seconds);
      throw new RetryLaterError(
        ctx.id,
        admission.seconds,
        new BridgeError(`the circuit breaker of route ${this.#o.route.name} is open`, { retryable: true }),
      );
    }
    return admission.kind === 'probe';
  }
}
