import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { TableAccess } from '../aws/access.ts';
import {
  decodeRecords,
  encodeRecords,
  entriesPartitionKey,
  entrySortKey,
  entryTimeKey,
  type LedgerEntry,
  type LedgerRecord,
} from './entry.ts';
import { type RouteState, routeStateOf, stateKey } from './state.ts';
import { CompletionStoreError } from './store.ts';

/**
 * How late after its sort-key time an entry may become visible to a Query. The deliverer keeps
 * it: an entry whose write took longer than ENTRY_WRITE_LIMIT_MS is written again with a fresh
 * time (merging it twice is harmless), and one whose write never returned belongs to a batch
 * whose messages go back to the queue and are finished again. The commit function reads entries
 * from its last read minus this margin, so no entry falls between two runs.
 */
export const ENTRY_VISIBLE_WITHIN_MS = 10_000;
export const ENTRY_WRITE_LIMIT_MS = 4_000;

const entryKeys = (route: string): readonly string[] => [entriesPartitionKey(route)];

/** What each Ledger method calls, on a route's own entries and state item only. */
export const LEDGER_ACCESS = {
  /** writeEntry */
  writeEntry: { actions: ['dynamodb:PutItem'], leadingKeys: entryKeys },
  /** entriesSince */
  readEntries: { actions: ['dynamodb:Query'], leadingKeys: entryKeys },
  /** state (the commit function writes it through its lease, lib/commit/lease.ts) */
  readState: { actions: ['dynamodb:GetItem'], leadingKeys: (route) => [stateKey(route).pk] },
} as const satisfies Record<string, TableAccess>;

export interface LedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long an entry lives (DynamoDB TTL). Default 7 days, like per-record completions. */
  readonly ttlSeconds?: number;
  readonly now?: () => number;
}

/**
 * The completion ledger's entries and the route state (docs/architecture.md, Completion ledger):
 * one entry item per deliverer batch, one state item per route, written by the commit function
 * alone (lib/commit/lease.ts).
 */
export class Ledger {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  constructor(options: LedgerOptions) {
    this.#doc = DynamoDBDocumentClient.from(options.client);
    this.#table = options.tableName;
    this.#ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600;
    this.#now = options.now ?? Date.now;
  }

  get tableName(): string {
    return this.#table;
  }

  /** Writes one entry with `records` (one item, whatever their partitions); again if the write was slow. */
  async writeEntry(route: string, records: readonly LedgerRecord[]): Promise<void> {
    if (records.length === 0) return;
    const text = encodeRecords(records);
    for (let attempt = 1; ; attempt++) {
      const at = this.#now();
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.#table,
            Item: {
              pk: entriesPartitionKey(route),
              sk: entrySortKey(at, randomBytes(6).toString('hex')),
              at,
              records: text,
              expiresAt: Math.floor(at / 1000) + this.#ttlSeconds,
            },
          }),
        );
      } catch (error) {
        throw new CompletionStoreError('writeEntry', error);
      }
      if (this.#now() - at <= ENTRY_WRITE_LIMIT_MS) return;
      if (attempt >= 3) {
        throw new CompletionStoreError('writeEntry', new Error('entry writes stayed slower than the limit'));
      }
    }
  }

  /**
   * The route's entries written at or after `since` (ms), oldest first, strongly consistent, at
   * most `limit` of them (`truncated` then says more follow).
   */
  async entriesSince(
    route: string,
    since: number,
    limit = 50_000,
  ): Promise<{ entries: LedgerEntry[]; truncated: boolean }> {
    const entries: LedgerEntry[] = [];
    let truncated = false;
    const query = {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND sk >= :sk',
      ExpressionAttributeValues: { ':pk': entriesPartitionKey(route), ':sk': entryTimeKey(since) },
      ConsistentRead: true,
    };
    try {
      for await (const page of paginateQuery({ client: this.#doc }, query)) {
        for (const item of page.Items ?? []) {
          entries.push({ route, at: Number(item.at), records: decodeRecords(String(item.records ?? '')) });
        }
        if (entries.length >= limit && page.LastEvaluatedKey !== undefined) {
          truncated = true;
          break;
        }
      }
    } catch (error) {
      throw new CompletionStoreError('entriesSince', error);
    }
    return { entries, truncated };
  }

  /**
   * The route's state. Eventually consistent for the deliverer's duplicate check (a stale state
   * only misses a skip, I5), strongly consistent for the CLI.
   */
  async state(route: string, consistent: boolean): Promise<RouteState> {
    try {
      const out = await this.#doc.send(
        new GetCommand({ TableName: this.#table, Key: stateKey(route), ConsistentRead: consistent }),
      );
      return routeStateOf(out.Item);
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw new CompletionStoreError('state', error);
    }
  }
}
