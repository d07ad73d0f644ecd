/**
 * The route poller's kafkajs consumer: its settings, and the budget for replacing a consumer
 * kafkajs stopped for good (a crash it will not restart itself).
 */
import type { ConsumerConfig } from 'kafkajs';
import { membershipGroupId, type Route } from '../config/index.ts';
import { type BackoffPolicy, backoffMs } from '../retry/index.ts';

export interface ConsumerRestartPolicy {
  readonly max: number;
  readonly windowMs: number;
  readonly backoff: BackoffPolicy;
}

export const DEFAULT_CONSUMER_RESTARTS: ConsumerRestartPolicy = {
  max: 5,
  windowMs: 10 * 60_000,
  backoff: { baseMs: 500, maxMs: 10_000, jitter: 'full' },
};

/** Counts replacements within the policy's window: the next wait, or how many made it fatal. */
export class RestartBudget {
  readonly #policy: ConsumerRestartPolicy;
  #times: number[] = [];

  constructor(policy: ConsumerRestartPolicy) {
    this.#policy = policy;
  }

  get windowMs(): number {
    return this.#policy.windowMs;
  }

  /** Records one more replacement at `now`; `attempt` counts the tries for one crash. */
  take(now: number, attempt: number): { readonly waitMs: number } | { readonly exhausted: number } {
    const { max, windowMs, backoff } = this.#policy;
    this.#times = [...this.#times.filter((at) => now - at < windowMs), now];
    if (this.#times.length > max) return { exhausted: this.#times.length };
    return { waitMs: backoffMs(attempt, backoff) };
  }
}

/** The membership consumer's settings for `route` (positions come from the progress group). */
export function consumerConfig(
  route: Route,
  options: {
    readonly maxBytesPerPartition: number;
    readonly sessionTimeoutMs: number;
    readonly rebalanceTimeoutMs: number;
  },
): ConsumerConfig {
  const { maxBytesPerPartition, sessionTimeoutMs, rebalanceTimeoutMs } = options;
  return {
    groupId: membershipGroupId(route),
    maxBytesPerPartition,
    sessionTimeout: sessionTimeoutMs,
    rebalanceTimeout: rebalanceTimeoutMs,
    // kafkajs sleeps this long when every partition is paused, and a fetch without data blocks
    // this long without heartbeats: its 5 s default delays resumes and can outlast a short
    // session timeout (the member is then dropped and rejoins under a new id).
    maxWaitTimeInMs: Math.min(500, Math.floor(sessionTimeoutMs / 3)),
    // kafkajs's rule of thumb: heartbeats at a third of the session timeout at most.
    heartbeatInterval: Math.max(100, Math.min(3_000, Math.floor(sessionTimeoutMs / 3))),
    // Transactional records are forwarded once committed; aborted ones never.
    readUncommitted: false,
  };
}
