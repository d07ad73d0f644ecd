import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import type { TableAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { BridgeError } from '../errors.ts';
import {
  type Completion,
  type CompletionStatus,
  offsetSortKey,
  parseOffsetSortKey,
  partitionKey,
  routePartitionKeys,
} from './completion.ts';

const completionKeys = (route: string): readonly string[] => [routePartitionKeys(route)];

/** What each CompletionStore method calls, on a route's completion items only. */
export const COMPLETION_ACCESS = {
  /** put */
  write: { actions: ['dynamodb:PutItem'], leadingKeys: completionKeys },
  /** get */
  read: { actions: ['dynamodb:GetItem'], leadingKeys: completionKeys },
  /** getMany */
  readMany: { actions: ['dynamodb:BatchGetItem'], leadingKeys: completionKeys },
  /** listFrom */
  walk: { actions: ['dynamodb:Query'], leadingKeys: completionKeys },
  /** deleteRange */
  clean: { actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem'], leadingKeys: completionKeys },
} as const satisfies Record<string, TableAccess>;

/** A DynamoDB call on the completions table failed; `retryable` tells the caller whether to try again. */
export class CompletionStoreError extends BridgeError {
  readonly operation: string;
  constructor(operation: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`completion store: ${operation} failed: ${message}`, {
      cause,
      retryable: isRetryableAwsError(cause),
    });
    this.name = 'CompletionStoreError';
    this.operation = operation;
  }
}

interface CompletionItem {
  pk: string;
  sk: string;
  route: string;
  topic: string;
  partition: number;
  from: string;
  offset: string;
  status: CompletionStatus;
  at: number;
  attempts: number;
  /** DynamoDB TTL (seconds): completions are needed only until the commit passes them; TTL removes them for free. */
  expiresAt: number;
}

export interface CompletionStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * How long a completion lives (DynamoDB TTL, free deletes). The commit function only reads from
   * the committed offset on, so a completion is dead weight once passed; it must outlive the time
   * a partition may wait behind an unfinished record (docs/benchmarks.md, Cost). Default 7 days.
   */
  readonly ttlSeconds?: number;
}

/**
 * Completion records in DynamoDB, one item per finished record, keyed by route/topic/partition
 * and the record's `from` (zero-padded so that sort-key order is offset order). The commit function
 * reads a partition's items from its committed offset on, in order, with one Query.
 */
export class CompletionStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlSeconds: number;
  /** The client and table, for the ledger on the same table (lib/completion/ledger.ts). */
  readonly client: DynamoDBClient;
  readonly tableName: string;

  constructor(options: CompletionStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.#doc = DynamoDBDocumentClient.from(options.client);
    this.#table = options.tableName;
    this.#ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600;
  }

  /**
   * Writes a completion unless one exists for the same record already (the first one wins: a
   * redelivered record does not rewrite history). Returns whether this call wrote it.
   */
  async put(completion: Completion): Promise<boolean> {
    const item: CompletionItem = {
      pk: partitionKey(completion.route, completion.topic, completion.partition),
      sk: offsetSortKey(completion.from),
      route: completion.route,
      topic: completion.topic,
      partition: completion.partition,
      from: completion.from.toString(),
      offset: completion.offset.toString(),
      status: completion.status,
      at: completion.at,
      attempts: completion.attempts,
      expiresAt: Math.floor(completion.at / 1000) + this.#ttlSeconds,
    };
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new CompletionStoreError('put', error);
    }
  }

  /** The completion of the record that starts at `from`, if any (strongly consistent read). */
  async get(route: string, topic: string, partition: number, from: bigint): Promise<Completion | undefined> {
    try {
      const out = await this.#doc.send(
        new GetCommand({
          TableName: this.#table,
          Key: { pk: partitionKey(route, topic, partition), sk: offsetSortKey(from) },
          ConsistentRead: true,
        }),
      );
      return out.Item ? fromItem(out.Item as CompletionItem) : undefined;
    } catch (error) {
      throw new CompletionStoreError('get', error);
    }
  }

  /**
   * The completions of many records of one route at once (strongly consistent BatchGetItem, 100
   * keys a call): one call per batch instead of one per record. DynamoDB bills each key read the
   * same as a GetItem (1 RRU up to 4 KB, found or not): this saves calls and time, not RRUs.
   * Keyed by `completionKey(topic, partition, from)`.
   */
  async getMany(
    route: string,
    records: readonly { readonly topic: string; readonly partition: number; readonly from: bigint }[],
  ): Promise<Map<string, Completion>> {
    const found = new Map<string, Completion>();
    const keys = new Map<string, { pk: string; sk: string }>();
    for (const r of records) {
      keys.set(completionKey(r.topic, r.partition, r.from), {
        pk: partitionKey(route, r.topic, r.partition),
        sk: offsetSortKey(r.from),
      });
    }
    const all = [...keys.values()];
    try {
      for (let i = 0; i < all.length; i += 100) {
        let pending: Record<string, unknown>[] = all.slice(i, i + 100);
        // BatchGet may leave keys unprocessed under load: retry those with a short backoff.
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= 8) throw new Error(`${pending.length} reads stayed unprocessed`);
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
          const out = await this.#doc.send(
            new BatchGetCommand({
              RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } },
            }),
          );
          for (const item of out.Responses?.[this.#table] ?? []) {
            const completion = fromItem(item as CompletionItem);
            found.set(completionKey(completion.topic, completion.partition, completion.from), completion);
          }
          pending = out.UnprocessedKeys?.[this.#table]?.Keys ?? [];
        }
      }
    } catch (error) {
      throw new CompletionStoreError('getMany', error);
    }
    return found;
  }

  /** A partition's completions with `from >= position`, in offset order, at most `limit` of them. */
  async listFrom(
    route: string,
    topic: string,
    partition: number,
    position: bigint,
    limit = 10_000,
    /** Strongly consistent (default); the commit reads eventually consistent: a late item only waits for its next run. */
    consistent = true,
  ): Promise<Completion[]> {
    const found: Completion[] = [];
    const query = {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND sk >= :sk',
      ExpressionAttributeValues: {
        ':pk': partitionKey(route, topic, partition),
        ':sk': offsetSortKey(position),
      },
      ConsistentRead: consistent,
    };
    try {
      const pages = paginateQuery({ client: this.#doc, pageSize: Math.min(1000, limit) }, query);
      for await (const page of pages) {
        for (const item of page.Items ?? []) found.push(fromItem(item as CompletionItem));
        if (found.length >= limit) break;
      }
    } catch (error) {
      throw new CompletionStoreError('listFrom', error);
    }
    return found.slice(0, limit);
  }

  /**
   * Deletes a partition's completions with `from >= start` that lie wholly below `below` (their
   * record's offset is below it). Safe to repeat: deleting what is gone is a no-op. Returns how
   * many were deleted. Completions expire by TTL on their own: this is for an operator moving a
   * progress group back (the records there must be delivered again, not skipped as duplicates)
   * and for committers configured to delete what they passed.
   */
  async deleteRange(
    route: string,
    topic: string,
    partition: number,
    start: bigint,
    below: bigint,
  ): Promise<number> {
    if (below <= start) return 0;
    const pk = partitionKey(route, topic, partition);
    let deleted = 0;
    const query = {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :start AND :last',
      ExpressionAttributeValues: {
        ':pk': pk,
        ':start': offsetSortKey(start),
        ':last': offsetSortKey(below - 1n),
      },
      ProjectionExpression: 'pk, sk, #o',
      ExpressionAttributeNames: { '#o': 'offset' },
    };
    try {
      for await (const page of paginateQuery({ client: this.#doc }, query)) {
        const keys = (page.Items ?? [])
          .filter((item) => BigInt(String(item.offset)) < below)
          .map((item) => ({ pk: item.pk as string, sk: item.sk as string }));
        for (let i = 0; i < keys.length; i += 25) {
          await this.#batchDelete(keys.slice(i, i + 25));
        }
        deleted += keys.length;
      }
    } catch (error) {
      if (error instanceof CompletionStoreError) throw error;
      throw new CompletionStoreError('deleteRange', error);
    }
    return deleted;
  }

  async #batchDelete(keys: { pk: string; sk: string }[]): Promise<void> {
    let pending = keys.map((Key) => ({ DeleteRequest: { Key } }));
    // BatchWrite may leave items unprocessed under load: retry those with a short backoff.
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 8) {
        throw new CompletionStoreError(
          'deleteRange',
          new Error(`${pending.length} deletes stayed unprocessed`),
        );
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const out = await this.#doc.send(new BatchWriteCommand({ RequestItems: { [this.#table]: pending } }));
      pending = (out.UnprocessedItems?.[this.#table] ?? []) as typeof pending;
    }
  }
}

/** How getMany keys its answer: the record's topic, partition and `from`. */
export function completionKey(topic: string, partition: number, from: bigint): string {
  return `${topic}#${partition}#${from}`;
}

function fromItem(item: CompletionItem): Completion {
  return {
    route: item.route,
    topic: item.topic,
    partition: Number(item.partition),
    from: parseOffsetSortKey(item.sk),
    offset: BigInt(item.offset),
    status: item.status,
    at: Number(item.at),
    attempts: Number(item.attempts),
  };
}
