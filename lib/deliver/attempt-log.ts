import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ArchivedAttempt } from '../archive/archive.ts';
import type { TableAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { offsetSortKey } from '../completion/completion.ts';
import { routeItemKey, routeItemPattern } from '../completion/table.ts';
import { BridgeError } from '../errors.ts';

/** The attempts of earlier receives of a record. */
export interface AttemptHistory {
  /** Attempts made in all (the history may keep only the latest of them). */
  readonly count: number;
  readonly attempts: readonly ArchivedAttempt[];
}

export const NO_HISTORY: AttemptHistory = { count: 0, attempts: [] };

/** The archive keeps at most this many attempts in detail (an item must stay under 400 KB). */
const MAX_KEPT = 20;
/** Each kept attempt's answer excerpt is cut to this many characters in the log (the archive's last attempt keeps 4 KiB). */
const LOG_EXCERPT_CHARS = 1024;

/** What the attempt log calls: get, add and delete of the route's attempt items. */
export const ATTEMPT_LOG_ACCESS: TableAccess = {
  actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  leadingKeys: (route) => [routeItemPattern('attempts', route)],
};

export class AttemptLogError extends BridgeError {
  constructor(operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`attempt log: ${operation} failed: ${reason}`, { cause, retryable: isRetryableAwsError(cause) });
    this.name = 'AttemptLogError';
  }
}

/**
 * The attempts a record made in earlier receives, so that the route's `retry.attempts` counts
 * real calls (a receive cut short by the deadline or held back by the breaker counts only what
 * it tried) and the archive of a dead letter holds every attempt's answer, not only the last
 * receive's. Kept in the completions table: partition key `attempts#<route>#<topic>#<partition>`
 * (its own kind tag, lib/completion/table.ts), sort key the record's
 * `from` as in completions, TTL `expiresAt`.
 *
 * Costs nothing on the happy path: it is read only for a redelivered message
 * (ApproximateReceiveCount > 1), written only when a receive ends without finishing the record,
 * and deleted when such a record finishes.
 */
export class AttemptLog {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlSeconds: number;

  constructor(client: DynamoDBClient, tableName: string, ttlSeconds = 14 * 24 * 3600) {
    this.#doc = DynamoDBDocumentClient.from(client);
    this.#table = tableName;
    this.#ttlSeconds = ttlSeconds;
  }

  static #key(route: string, topic: string, partition: number, from: bigint): { pk: string; sk: string } {
    return { pk: routeItemKey('attempts', route, topic, partition), sk: offsetSortKey(from) };
  }

  async get(route: string, topic: string, partition: number, from: bigint): Promise<AttemptHistory> {
    try {
      const out = await this.#doc.send(
        new GetCommand({
          TableName: this.#table,
          Key: AttemptLog.#key(route, topic, partition, from),
          ConsistentRead: true,
        }),
      );
      if (out.Item === undefined) return NO_HISTORY;
      return { count: Number(out.Item.count ?? 0), attempts: (out.Item.attempts ?? []) as ArchivedAttempt[] };
    } catch (error) {
      throw new AttemptLogError('get', error);
    }
  }

  /** Adds a receive's attempts; keeps the latest MAX_KEPT in detail. */
  async add(
    route: string,
    topic: string,
    partition: number,
    from: bigint,
    previous: AttemptHistory,
    attempts: readonly ArchivedAttempt[],
    now: number,
  ): Promise<void> {
    const trimmed = attempts.map((attempt) =>
      attempt.excerpt === undefined
        ? attempt
        : { ...attempt, excerpt: attempt.excerpt.slice(0, LOG_EXCERPT_CHARS) },
    );
    // The whole list is rewritten (read before, in this receive): one writer per record at a
    // time, because SQS FIFO hands a group's message to one consumer at a time.
    const kept = [...previous.attempts, ...trimmed].slice(-MAX_KEPT);
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: AttemptLog.#key(route, topic, partition, from),
          UpdateExpression: 'SET #count = :count, attempts = :attempts, expiresAt = :expires',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':count': previous.count + attempts.length,
            ':attempts': kept,
            ':expires': Math.floor(now / 1000) + this.#ttlSeconds,
          },
        }),
      );
    } catch (error) {
      throw new AttemptLogError('add', error);
    }
  }

  /** Forgets a finished record's attempts (a replay of it starts afresh). */
  async delete(route: string, topic: string, partition: number, from: bigint): Promise<void> {
    try {
      await this.#doc.send(
        new DeleteCommand({ TableName: this.#table, Key: AttemptLog.#key(route, topic, partition, from) }),
      );
    } catch (error) {
      throw new AttemptLogError('delete', error);
    }
  }
}
