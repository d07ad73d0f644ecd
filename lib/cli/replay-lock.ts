import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableAccess } from '../aws/access.ts';
import { routeItemKey } from '../completion/table.ts';
import { CliError } from './errors.ts';

/**
 * One replay per route at a time, across processes: the CLI, any number of consoles, on any
 * machine. Two replays of a route at once could send a quarantined key's records past each other
 * and twice. The lock is a conditional item of the completions table (`replay#<route>`, sort key
 * `lock`), taken when absent or expired, renewed while the replay runs and deleted when it ends;
 * a replay that crashed holds it only until it expires.
 */
export const REPLAY_LOCK_ACCESS: TableAccess = {
  actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  leadingKeys: (route) => [routeItemKey('replay', route)],
};

/** How long a lock holds without renewal: beyond a replay's longest wait for one record (60 s by default). */
export const REPLAY_LOCK_MS = 120_000;

const keyOf = (route: string) => ({ pk: routeItemKey('replay', route), sk: 'lock' });

export interface ReplayLockOptions {
  readonly holder: string;
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export class ReplayLock {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #route: string;
  readonly #owner = randomUUID();
  readonly #holder: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #lost: string | undefined;

  constructor(client: DynamoDBClient, table: string, route: string, options: ReplayLockOptions) {
    this.#doc = DynamoDBDocumentClient.from(client);
    this.#table = table;
    this.#route = route;
    this.#holder = options.holder;
    this.#ttlMs = options.ttlMs ?? REPLAY_LOCK_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Takes the lock, or throws naming who holds it and until when; renews it until release. */
  async acquire(): Promise<void> {
    const now = this.#now();
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...keyOf(this.#route),
            owner: this.#owner,
            holder: this.#holder,
            since: now,
            until: now + this.#ttlMs,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const held = error.Item as { holder?: { S?: string }; until?: { N?: string } } | undefined;
      const until = Number(held?.until?.N ?? 0);
      throw new CliError(
        `route ${this.#route}: another replay is running (${held?.holder?.S ?? 'unknown holder'}, lock until ${new Date(until).toISOString()}); run this one when it has finished`,
      );
    }
    this.#timer = setInterval(() => void this.#renew(), Math.max(1_000, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  /** Throws when the lock was lost (expired and taken by another replay): stop before sending more. */
  assertHeld(): void {
    if (this.#lost !== undefined)
      throw new CliError(`route ${this.#route}: ${this.#lost}; the replay stopped`);
  }

  async #renew(): Promise<void> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keyOf(this.#route),
          UpdateExpression: 'SET #until = :until',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#until': 'until', '#owner': 'owner' },
          ExpressionAttributeValues: { ':until': this.#now() + this.#ttlMs, ':owner': this.#owner },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) this.#lost = 'the replay lock was taken over';
      // Another error: the next renewal tries again; the lock holds until it expires.
    }
  }

  /** Releases the lock if this replay still holds it. */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    try {
      await this.#doc.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: keyOf(this.#route),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': this.#owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
