import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TableAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { BridgeError } from '../errors.ts';

/** What the lease calls: a conditional put to take it, a conditional delete to release it. */
export const LEASE_ACCESS: TableAccess = {
  actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
  leadingKeys: (route) => [leaseKey(route)],
};

export class CommitLeaseError extends BridgeError {
  constructor(operation: string, route: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`commit lease: ${operation} for route ${route} failed: ${reason}`, {
      cause,
      retryable: isRetryableAwsError(cause),
    });
    this.name = 'CommitLeaseError';
  }
}

export interface HeldLease {
  readonly route: string;
  readonly owner: string;
  /** ms since the epoch; the holder must not write offsets at or after this time. */
  readonly expiresAt: number;
}

/**
 * One commit run per route at a time. Kafka offset writes are not conditional, so two runs that
 * read the same committed offset could otherwise interleave and move it backwards (run A reads 3,
 * run B commits 10, run A commits 6). The lease is a conditional DynamoDB item in the completions
 * table (its own partition key), taken when free or expired and released when the run ends; a
 * crashed holder's lease simply expires.
 */
export class CommitLease {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #now: () => number;

  constructor(client: DynamoDBClient, tableName: string, now: () => number = Date.now) {
    this.#doc = DynamoDBDocumentClient.from(client);
    this.#table = tableName;
    this.#now = now;
  }

  /** Takes the route's lease for `durationMs`, or returns undefined when another run holds it. */
  async acquire(route: string, owner: string, durationMs: number): Promise<HeldLease | undefined> {
    const now = this.#now();
    const expiresAt = now + durationMs;
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk: leaseKey(route),
            sk: 'lease',
            owner,
            leaseExpiresAt: expiresAt,
            expiresAt: Math.ceil(expiresAt / 1000) + 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseExpiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
        }),
      );
      return { route, owner, expiresAt };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw new CommitLeaseError('acquire', route, error);
    }
  }

  /** Whether the holder may still act, keeping `marginMs` for the write in flight. */
  valid(lease: HeldLease, marginMs: number): boolean {
    return this.#now() + marginMs < lease.expiresAt;
  }

  /** Releases the lease if this owner still holds it (a lease taken over after expiry stays). */
  async release(lease: HeldLease): Promise<void> {
    try {
      await this.#doc.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { pk: leaseKey(lease.route), sk: 'lease' },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': lease.owner },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new CommitLeaseError('release', lease.route, error);
    }
  }
}

function leaseKey(route: string): string {
  return `lease#${route}`;
}
