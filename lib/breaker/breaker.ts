import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { routeItemKey } from '../completion/table.ts';
import type { Breaker as BreakerConfig } from '../config/index.ts';
import { BridgeError } from '../errors.ts';

/** The partition key of a route's breaker state item. */
export function breakerPartitionKey(route: string): string {
  return routeItemKey('breaker', route);
}

/** What the breaker calls: one read per batch, conditional updates of the route's state item. */
export const BREAKER_ACCESS: TableAccess = {
  actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  leadingKeys: (route) => [breakerPartitionKey(route)],
};

export class BreakerError extends BridgeError {
  constructor(operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`circuit breaker: ${operation} failed: ${reason}`, {
      cause,
      retryable: isRetryableAwsError(cause),
    });
    this.name = 'BreakerError';
  }
}

/** The route's shared state item in the completions table. */
export function breakerKey(route: string): { pk: string; sk: string } {
  return { pk: breakerPartitionKey(route), sk: 'state' };
}

/** Where a route's breaker stands, for operators (the console). */
export type BreakerReading =
  | { readonly state: 'none' }
  | { readonly state: 'closed' }
  | { readonly state: 'open'; readonly until: string }
  | { readonly state: 'half-open' };

/** Reads the breaker's shared state item (one GetItem); 'closed' when it has none yet. */
export async function readBreaker(
  client: DynamoDBClient,
  tableName: string,
  route: string,
  now: number = Date.now(),
): Promise<BreakerReading> {
  const out = await DynamoDBDocumentClient.from(client).send(
    new GetCommand({ TableName: tableName, Key: breakerKey(route), ConsistentRead: true }),
  );
  const openUntil = (out.Item as StateItem | undefined)?.openUntil ?? 0;
  if (openUntil === 0) return { state: 'closed' };
  return openUntil > now
    ? { state: 'open', until: new Date(openUntil).toISOString() }
    : { state: 'half-open' };
}

/** What the breaker lets a record do. */
export type Admission =
  /** Call the endpoint as usual. */
  | { readonly kind: 'call' }
  /** Make exactly one call: its result closes or reopens the breaker. */
  | { readonly kind: 'probe' }
  /** Do not call: go back to the queue for this long. */
  | { readonly kind: 'hold'; readonly seconds: number };

/** The shared state item, as read. */
interface StateItem {
  windowStart?: number;
  calls?: number;
  failures?: number;
  /** ms since the epoch; 0 or absent when closed. Past: half-open (a probe is due). */
  openUntil?: number;
  /** Until when (ms) the current prober holds the probe: one probe at a time across invocations. */
  probeUntil?: number;
}

export interface BreakerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly route: string;
  readonly config: BreakerConfig;
  /** How long a probe may take before another invocation may probe instead (the endpoint timeout plus margin). */
  readonly probeLeaseMs: number;
  readonly now?: () => number;
}

/**
 * A circuit breaker per route whose state all concurrent deliverers share, in one DynamoDB item
 * of the completions table (partition key `breaker#<route>`, sort key `state`; its own kind
 * tag, lib/completion/table.ts):
 *
 * - closed: calls go through; each batch adds its calls and retryable failures to a tumbling
 *   window of `windowMs` in one update at its end. When the window holds at least `minCalls`
 *   calls of which at least `failureRatio` failed, the breaker opens for `cooldownMs`.
 *   Non-retryable answers (a 400) prove the endpoint is up and count as successes here.
 * - open: no calls; messages go back to SQS until the cool-down ends (waiting costs nothing).
 * - half-open (cool-down over): one invocation takes the probe lease (a conditional update) and
 *   makes a single call; success closes the breaker (fresh window), failure reopens it. The
 *   others keep holding their messages meanwhile, so a down endpoint sees about one call per
 *   cool-down, and a recovered one is used again without an operator.
 *
 * The state is read once per batch (one strongly consistent GetItem), written once per batch
 * that made calls, and on transitions.
 */
export class CircuitBreaker {
  readonly #doc: DynamoDBDocumentClient;
  readonly #o: BreakerOptions;
  readonly #now: () => number;
  #state: StateItem = {};
  #probing = false;
  #probeSucceeded = false;
  #calls = 0;
  #failures = 0;

  constructor(options: BreakerOptions) {
    this.#doc = DynamoDBDocumentClient.from(options.client);
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #key(): { pk: string; sk: string } {
    return breakerKey(this.#o.route);
  }

  /** Reads the shared state at the start of a batch. */
  async load(): Promise<void> {
    this.#probing = false;
    this.#probeSucceeded = false;
    this.#calls = 0;
    this.#failures = 0;
    try {
      const out = await this.#doc.send(
        new GetCommand({ TableName: this.#o.tableName, Key: this.#key(), ConsistentRead: true }),
      );
      this.#state = (out.Item ?? {}) as StateItem;
    } catch (error) {
      throw new BreakerError('load', error);
    }
  }

  /** Whether the record may call the endpoint now. */
  async admit(): Promise<Admission> {
    const now = this.#now();
    const openUntil = this.#state.openUntil ?? 0;
    const leaseSeconds = Math.max(1, Math.ceil(this.#o.probeLeaseMs / 1000));
    if (openUntil === 0 || this.#probeSucceeded) return { kind: 'call' };
    if (now < openUntil) return { kind: 'hold', seconds: Math.max(1, Math.ceil((openUntil - now) / 1000)) };
    if (this.#probing) return { kind: 'hold', seconds: leaseSeconds };
    // Half-open: try to become the one prober.
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#o.tableName,
          Key: this.#key(),
          UpdateExpression: 'SET probeUntil = :until',
          ConditionExpression:
            'openUntil = :open AND (attribute_not_exists(probeUntil) OR probeUntil < :now)',
          ExpressionAttributeValues: {
            ':until': now + this.#o.probeLeaseMs,
            ':open': openUntil,
            ':now': now,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { kind: 'hold', seconds: leaseSeconds };
      throw new BreakerError('probe lease', error);
    }
    this.#probing = true;
    return { kind: 'probe' };
  }

  /** Records one call's result; `failed` only for failures that say the endpoint is unwell (retryable ones). */
  record(failed: boolean): void {
    this.#calls++;
    if (failed) this.#failures++;
  }

  /** Ends a probe: success closes the breaker with a fresh window, failure reopens it. */
  async probeResult(succeeded: boolean): Promise<void> {
    const now = this.#now();
    this.#probing = false;
    const openUntil = succeeded ? 0 : now + this.#o.config.cooldownMs;
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#o.tableName,
          Key: this.#key(),
          UpdateExpression:
            'SET openUntil = :open, windowStart = :now, calls = :zero, failures = :zero REMOVE probeUntil',
          ExpressionAttributeValues: { ':open': openUntil, ':now': now, ':zero': 0 },
        }),
      );
    } catch (error) {
      throw new BreakerError(succeeded ? 'close' : 'reopen', error);
    }
    this.#state = { windowStart: now, calls: 0, failures: 0, openUntil };
    this.#probeSucceeded = succeeded;
    // The probe's own call is not counted again in the fresh window.
    this.#calls = 0;
    this.#failures = 0;
  }

  /** Adds the batch's calls to the shared window and opens the breaker when the window says so. */
  async flush(): Promise<void> {
    if (this.#calls === 0) return;
    const now = this.#now();
    const config = this.#o.config;
    const calls = this.#calls;
    const failures = this.#failures;
    this.#calls = 0;
    this.#failures = 0;
    let item: StateItem;
    try {
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#o.tableName,
          Key: this.#key(),
          UpdateExpression:
            'SET windowStart = if_not_exists(windowStart, :now) ADD calls :calls, failures :failures',
          ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart > :stale',
          ExpressionAttributeValues: {
            ':now': now,
            ':calls': calls,
            ':failures': failures,
            ':stale': now - config.windowMs,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = (out.Attributes ?? {}) as StateItem;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw new BreakerError('count', error);
      // The window is older than windowMs: a new one starts with this batch's counts.
      try {
        const out = await this.#doc.send(
          new UpdateCommand({
            TableName: this.#o.tableName,
            Key: this.#key(),
            UpdateExpression: 'SET windowStart = :now, calls = :calls, failures = :failures',
            ExpressionAttributeValues: { ':now': now, ':calls': calls, ':failures': failures },
            ReturnValues: 'ALL_NEW',
          }),
        );
        item = (out.Attributes ?? {}) as StateItem;
      } catch (inner) {
        throw new BreakerError('new window', inner);
      }
    }
    this.#state = item;
    const windowCalls = item.calls ?? 0;
    const windowFailures = item.failures ?? 0;
    if ((item.openUntil ?? 0) > 0) return;
    if (windowCalls < config.minCalls || windowFailures / windowCalls < config.failureRatio) return;
    const until = now + config.cooldownMs;
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#o.tableName,
          Key: this.#key(),
          UpdateExpression: 'SET openUntil = :until',
          ConditionExpression: 'attribute_not_exists(openUntil) OR openUntil = :zero',
          ExpressionAttributeValues: { ':until': until, ':zero': 0 },
        }),
      );
      this.#state = { ...item, openUntil: until };
    } catch (error) {
      // Another invocation opened it first: the same outcome.
      if (error instanceof ConditionalCheckFailedException) return;
      throw new BreakerError('open', error);
    }
  }

  /** Whether this batch's own calls already trip the rule: it flushes (and opens) before calling more. */
  get trippedLocally(): boolean {
    const config = this.#o.config;
    return this.#calls >= config.minCalls && this.#failures / this.#calls >= config.failureRatio;
  }
}
