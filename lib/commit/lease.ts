import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import {
  encodePartitions,
  type PartitionState,
  type RouteState,
  routeStateOf,
  stateKey,
} from '../completion/state.ts';
import { BridgeError } from '../errors.ts';

/** What the lease calls: conditional updates of the route's lease item, which holds its ledger state. */
export const LEASE_ACCESS: TableAccess = {
  actions: ['dynamodb:UpdateItem'],
  leadingKeys: (route) => [stateKey(route).pk],
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
  /** The route's ledger state, read by the same write that took the lease. */
  readonly state: RouteState;
}

/** What a run writes back when it releases the lease. */
export interface StateUpdate {
  readonly partitions: ReadonlyMap<string, PartitionState>;
  readonly readFrom: number;
}

/**
 * One commit run per route at a time. Kafka offset writes are not conditional, so two runs that
 * read the same committed offset could otherwise interleave and move it backwards (run A reads 3,
 * run B commits 10, run A commits 6). The lease is a conditional DynamoDB item in the completions
 * table (its own partition key), taken when free or expired and released when the run ends; a
 * crashed holder's lease simply expires. The same item holds the route's ledger state
 * (lib/completion/state.ts): taking the lease returns it, releasing writes it back, so a run
 * costs two writes whatever its number of partitions. The item has no TTL: it is the state.
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
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: stateKey(route),
          UpdateExpression: 'SET #owner = :owner, leaseExpiresAt = :until REMOVE expiresAt',
          ConditionExpression:
            'attribute_not_exists(pk) OR attribute_not_exists(#owner) OR leaseExpiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner, ':until': expiresAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { route, owner, expiresAt, state: routeStateOf(out.Attributes) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw new CommitLeaseError('acquire', route, error);
    }
  }

  /** Whether the holder may still act, keeping `marginMs` for the write in flight. */
  valid(lease: HeldLease, marginMs: number): boolean {
    return this.#now() + marginMs < lease.expiresAt;
  }

  /**
   * Releases the lease if this owner still holds it (a lease taken over after expiry stays),
   * writing the run's state with it when given.
   */
  async release(lease: HeldLease, update?: StateUpdate): Promise<void> {
    const set =
      update === undefined
        ? { expression: '', values: {} }
        : {
            expression: ' SET #partitions = :partitions, readFrom = :readFrom',
            values: { ':partitions': encodePartitions(update.partitions), ':readFrom': update.readFrom },
          };
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: stateKey(lease.route),
          UpdateExpression: `REMOVE #owner, leaseExpiresAt${set.expression}`,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: {
            '#owner': 'owner',
            ...(update === undefined ? {} : { '#partitions': 'partitions' }),
          },
          ExpressionAttributeValues: { ':owner': lease.owner, ...set.values },
          // The item as written: free (no extra capacity), and what a cost meter sizes the write by.
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // Another run took the route over: this run's state must not overwrite its.
        if (update !== undefined) {
          const holder = (error.Item as { owner?: { S?: string } } | undefined)?.owner?.S ?? 'nobody';
          throw new CommitLeaseError(
            'release',
            lease.route,
            new Error(
              `the lease is no longer ${lease.owner}'s (held by ${holder}): the state is not written`,
              { cause: error },
            ),
          );
        }
        return;
      }
      throw new CommitLeaseError('release', lease.route, error);
    }
  }
}
