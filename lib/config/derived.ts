/**
 * Settings derived from a route, shared by the CDK stack (cdk/lib/route-resources.ts) and local
 * mode (lib/local/provision.ts), so that both size the queues and the deliverer the same way.
 */
import {
  LAMBDA_MAX_TIMEOUT_MS,
  MIN_DELIVER_CONCURRENCY,
  REDRIVE_MARGIN,
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_VISIBILITY_MS,
} from './limits.ts';
import type { Route } from './schema.ts';

/** The FIFO event source hands the deliverer at most 10 messages a batch. */
export const DELIVER_BATCH_SIZE = 10;

/** How many deliverer invocations run at once, and how many calls each makes at once. */
export interface DeliverConcurrency {
  /** The SQS event source's maximum concurrency (Lambda invocations). */
  readonly invocations: number;
  /** Message groups of one batch called concurrently (each group in order). */
  readonly callsPerInvocation: number;
}

/**
 * Without `deliver.maxCallsInFlight`: `concurrency` invocations, each calling the message groups
 * of its batch at once (up to 10, each group in order), so the endpoint sees up to
 * 10 x concurrency calls. With it (E): each invocation calls up to min(10, E / 2) groups at once,
 * and there are as many invocations as fit in E, at least the event source's 2, so
 * invocations x calls <= E.
 */
export function deliverConcurrency(route: Pick<Route, 'concurrency' | 'deliver'>): DeliverConcurrency {
  const most = route.deliver.maxCallsInFlight;
  if (most === undefined) return { invocations: route.concurrency, callsPerInvocation: DELIVER_BATCH_SIZE };
  const callsPerInvocation = Math.max(
    1,
    Math.min(DELIVER_BATCH_SIZE, Math.floor(most / MIN_DELIVER_CONCURRENCY)),
  );
  return { invocations: Math.floor(most / callsPerInvocation), callsPerInvocation };
}

/** Receives of a redriven message by the DLQ consumer before SQS moves it on to the DLQ unarchived. */
export const REDRIVE_CONSUMER_ATTEMPTS = 10;

/**
 * The deliverer's timeout: a full batch may use one endpoint timeout per message, plus 30 s for
 * the writes around them; at most Lambda's 15 minutes.
 */
export function deliverTimeoutMs(route: Route): number {
  const seconds = Math.ceil((DELIVER_BATCH_SIZE * route.endpoint.timeoutMs) / 1000) + 30;
  return Math.min(seconds * 1000, LAMBDA_MAX_TIMEOUT_MS);
}

/**
 * What the route queue's visibility timeout adds to the deliverer's timeout: the time between
 * the event source's receive and the invocation's start (a cold start's init, up to 10 s, and
 * the event source's retries of a throttled invoke), so that a batch still running is never
 * handed out a second time.
 */
export const DELIVER_VISIBILITY_MARGIN_MS = 50_000;

/**
 * The route queue's visibility timeout: how long a crashed or timed-out invocation blocks its
 * messages' key groups (docs/deliver.md, "A crashed invocation"). The deliverer's timeout plus
 * DELIVER_VISIBILITY_MARGIN_MS: 180 s (3 minutes) for the default 10 s endpoint timeout. Not
 * AWS's general advice of 6x the function timeout (780 s by default, 13 minutes blocked): that
 * margin is for throttled invokes, which the event source's maximum concurrency avoids.
 */
export function deliverVisibilityMs(route: Route): number {
  return Math.min(deliverTimeoutMs(route) + DELIVER_VISIBILITY_MARGIN_MS, SQS_MAX_VISIBILITY_MS);
}

/**
 * SQS redrive after this many receives. `onPoison: 'block'` retries a record until it succeeds,
 * so it gets SQS's maximum; the others get their attempts plus the crash margin (the config
 * keeps attempts low enough for the sum to fit).
 */
export function maxReceiveCount(route: Route): number {
  if (route.onPoison === 'block') return SQS_MAX_RECEIVE_COUNT;
  return Math.min(route.retry.attempts + REDRIVE_MARGIN, SQS_MAX_RECEIVE_COUNT);
}
