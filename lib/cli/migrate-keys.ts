import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { partitionKey } from '../completion/completion.ts';
import { entriesPartitionKey, parseLegacyEntriesPartitionKey } from '../completion/entry.ts';
import type { CliContext } from './context.ts';

/**
 * `kafka-bridge migrate-keys`: copies the items of releases before the kind tags
 * (lib/completion/table.ts) to their new keys, once, after the upgrade is deployed. Two kinds
 * moved: ledger entries (`<route>#entries` to `entries#<route>`) and per-record completions
 * (`<route>#<topic>#<partition>` to `completion#<route>#<topic>#<partition>`); the lease, state,
 * quarantine, breaker and attempt items kept their keys. Until an item is copied the commit
 * function sees a hole there and waits (it never commits past it), so nothing is lost; the old
 * items are left to their TTL. Copies are conditional: running it twice copies nothing twice.
 */
export interface MigrateResult {
  readonly scanned: number;
  readonly copied: readonly {
    readonly route: string;
    readonly kind: 'entries' | 'completion';
    readonly count: number;
  }[];
  readonly dryRun: boolean;
}

const ENTRY_SORT_KEY = /^\d{13}#/;
const OFFSET_SORT_KEY = /^\d{19}$/;

/** The new partition key of a legacy item of one of these routes, or undefined. */
export function migratedKey(
  routes: ReadonlySet<string>,
  item: { readonly pk: string; readonly sk: string },
): { route: string; kind: 'entries' | 'completion'; pk: string } | undefined {
  const entriesOf = parseLegacyEntriesPartitionKey(item.pk);
  // `lease#entries` is both route lease's old entries key and route entries's state key: the
  // sort key tells them apart (an entry's starts with its 13-digit time, the state's is `lease`).
  if (entriesOf !== undefined && routes.has(entriesOf) && ENTRY_SORT_KEY.test(item.sk)) {
    const pk = entriesPartitionKey(entriesOf);
    return pk === item.pk ? undefined : { route: entriesOf, kind: 'entries', pk };
  }
  const parts = item.pk.split('#');
  if (parts.length !== 3 || !OFFSET_SORT_KEY.test(item.sk)) return undefined;
  const [route, topic, partition] = parts as [string, string, string];
  if (!routes.has(route) || !/^(?:0|[1-9]\d{0,9})$/.test(partition) || topic === '') return undefined;
  return { route, kind: 'completion', pk: partitionKey(route, topic, Number(partition)) };
}

export async function migrateKeys(
  ctx: CliContext,
  routeName: string | undefined,
  dryRun: boolean,
): Promise<MigrateResult> {
  const routes = new Set(ctx.routes(routeName).map((route) => route.name));
  const doc = DynamoDBDocumentClient.from(ctx.dynamo);
  const counts = new Map<string, { route: string; kind: 'entries' | 'completion'; count: number }>();
  let scanned = 0;
  for await (const page of paginateScan({ client: doc }, { TableName: ctx.table, ConsistentRead: true })) {
    for (const item of page.Items ?? []) {
      scanned++;
      const target = migratedKey(routes, { pk: String(item.pk), sk: String(item.sk) });
      if (target === undefined) continue;
      if (!dryRun) {
        try {
          await doc.send(
            new PutCommand({
              TableName: ctx.table,
              Item: { ...item, pk: target.pk },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) continue;
          throw error;
        }
      }
      const id = `${target.route}\t${target.kind}`;
      const count = counts.get(id) ?? { route: target.route, kind: target.kind, count: 0 };
      count.count++;
      counts.set(id, count);
    }
  }
  return { scanned, copied: [...counts.values()], dryRun };
}
