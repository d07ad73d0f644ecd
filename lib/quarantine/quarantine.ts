import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { TableAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { routeItemKey } from '../completion/table.ts';
import { BridgeError } from '../errors.ts';

/**
 * Quarantined keys (docs/architecture.md, Key quarantine), kept in the completions table so the stack has
 * one table less: one item per key, partition key `quarantine#<route>`, sort key the key's SQS
 * message group id (the group is what SQS orders by, and a hash collision merges two keys in
 * both places alike), with `behind` = the record id of the dead letter that started it.
 *
 * All of a route's quarantined keys are one item collection, so the deliverer reads them with
 * one strongly consistent Query per batch: a route with no quarantined key costs one empty
 * Query per batch, never a read per record. Per batch (not cached across batches) because a
 * key's next record is received only after its dead letter was deleted, which is after the
 * quarantine was written: a fresh read at the start of the batch always sees it; a cache
 * across invocations could miss it and deliver the key out of order.
 * Replay (the CLI) deletes the item when the key has no dead letter or parked record left.
 */
export interface QuarantineEntry {
  readonly groupId: string;
  /** The record id of the dead letter the key is parked behind. */
  readonly behind: string;
  /** ms since the epoch. */
  readonly since: number;
}

export class QuarantineError extends BridgeError {
  constructor(operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`quarantine: ${operation} failed: ${reason}`, { cause, retryable: isRetryableAwsError(cause) });
    this.name = 'QuarantineError';
  }
}

export function quarantinePartitionKey(route: string): string {
  return routeItemKey('quarantine', route);
}

/** Whether a route quarantines the keys of its dead letters (else nothing reads or writes quarantine items). */
export function quarantinesKeys(route: { readonly onPoison: string; readonly ordering: string }): boolean {
  return route.onPoison === 'quarantine' && route.ordering !== 'none';
}

const quarantineKeys = (route: string): readonly string[] => [quarantinePartitionKey(route)];

/** What each QuarantineStore method calls, on the route's quarantine item collection only. */
export const QUARANTINE_ACCESS = {
  /** load */
  read: { actions: ['dynamodb:Query'], leadingKeys: quarantineKeys },
  /** mark (reads the entry in force when the key is quarantined already) */
  mark: { actions: ['dynamodb:PutItem', 'dynamodb:Query'], leadingKeys: quarantineKeys },
} as const satisfies Record<string, TableAccess>;

export class QuarantineStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#doc = DynamoDBDocumentClient.from(client);
    this.#table = tableName;
  }

  /** Every quarantined key of the route, by group id. */
  async load(route: string): Promise<Map<string, QuarantineEntry>> {
    const found = new Map<string, QuarantineEntry>();
    const query = {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': quarantinePartitionKey(route) },
      ConsistentRead: true,
    };
    try {
      for await (const page of paginateQuery({ client: this.#doc }, query)) {
        for (const item of page.Items ?? []) {
          const entry = { groupId: String(item.sk), behind: String(item.behind), since: Number(item.since) };
          found.set(entry.groupId, entry);
        }
      }
    } catch (error) {
      throw new QuarantineError(`load of route ${route}`, error);
    }
    return found;
  }

  /**
   * Marks the key quarantined behind `behind`, unless it already is (the first dead letter
   * stays the one the key waits behind). Returns the entry in force.
   */
  async mark(route: string, groupId: string, behind: string, now: number): Promise<QuarantineEntry> {
    const entry: QuarantineEntry = { groupId, behind, since: now };
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: quarantinePartitionKey(route), sk: groupId, route, behind, since: now },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = (await this.load(route)).get(groupId);
        if (current !== undefined) return current;
      }
      throw new QuarantineError(`mark of ${route} group ${groupId}`, error);
    }
    return entry;
  }
}
