import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { messageGroupId } from '../envelope/index.ts';
import { QuarantineStore, quarantinePartitionKey } from '../quarantine/quarantine.ts';
import { isPending, listArchived } from './archived.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';
import { type ReplayOptions, type ReplayReport, replay } from './replay.ts';

export interface QuarantinedKey {
  readonly route: string;
  /** The record key (from the dead letter's envelope), or the group id when it is not known. */
  readonly key: string;
  readonly messageGroupId: string;
  /** The dead letter the key waits behind. */
  readonly behind: string;
  /** ISO 8601. */
  readonly since: string;
  /** Records of the key parked behind it and not replayed yet. */
  readonly parked: number;
}

export async function quarantineList(ctx: CliContext, routeName?: string): Promise<QuarantinedKey[]> {
  const keys: QuarantinedKey[] = [];
  for (const route of ctx.routes(routeName)) {
    const entries = await ctx.aws('DynamoDB', () =>
      new QuarantineStore(ctx.dynamo, ctx.table).load(route.name),
    );
    if (entries.size === 0) continue;
    const archived = await listArchived(ctx, route);
    for (const entry of entries.values()) {
      const mine = archived.filter((a) => a.groupId === entry.groupId);
      const deadLetter = mine.find((a) => a.record.recordId === entry.behind);
      keys.push({
        route: route.name,
        key: deadLetter?.key ?? mine.find((a) => a.key !== null)?.key ?? entry.groupId,
        messageGroupId: entry.groupId,
        behind: entry.behind,
        since: new Date(entry.since).toISOString(),
        parked: mine.filter((a) => a.record.outcome === 'parked' && isPending(a)).length,
      });
    }
  }
  return keys;
}

/**
 * Replays a quarantined key: its dead letter and the records parked behind it, in offset order,
 * one at a time; lifts the quarantine when none is left (see replay.ts).
 * `key` is the record key as text (or `base64:...`), or the key's message group id.
 */
export async function quarantineReplay(
  ctx: CliContext,
  routeName: string | undefined,
  key: string,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const routes = ctx.routes(routeName);
  const candidates: string[] = [];
  for (const route of routes) {
    const entries = await ctx.aws('DynamoDB', () =>
      new QuarantineStore(ctx.dynamo, ctx.table).load(route.name),
    );
    const group = groupOf(key, entries.keys());
    if (group === undefined) {
      candidates.push(...[...entries.values()].map((e) => e.groupId));
      continue;
    }
    const archived = (await listArchived(ctx, route)).filter((a) => a.groupId === group && isPending(a));
    // The replay walks the whole group (dead letter and parked records) from the first of them.
    const first = archived.find((a) => a.envelope !== undefined);
    if (first === undefined) {
      // Nothing archived is left for the key: only the mark remains; the replay lifts it.
      return replay(ctx, route, [], options).then(async (report) => {
        if (options.dryRun === true) return report;
        const lifted = await liftEmpty(ctx, route.name, group);
        return { ...report, lifted: lifted ? [key] : [] };
      });
    }
    return replay(ctx, route, [first], options);
  }
  throw new CliError(
    `key ${JSON.stringify(key)} is not quarantined${routeName === undefined ? '' : ` on route ${routeName}`}` +
      (candidates.length > 0
        ? `: quarantined message groups are ${candidates.join(', ')}`
        : ': no key is quarantined'),
  );
}

/** The group id a key maps to among the quarantined ones: by value, as a message group id, or as base64. */
function groupOf(key: string, groups: Iterable<string>): string | undefined {
  const bytes = key.startsWith('base64:') ? Buffer.from(key.slice(7), 'base64') : Buffer.from(key, 'utf8');
  const derived = messageGroupId({ key: bytes, partition: 0, offset: '0', ordering: 'key' });
  for (const group of groups) if (group === key || group === derived) return group;
  return undefined;
}

async function liftEmpty(ctx: CliContext, route: string, group: string): Promise<boolean> {
  await ctx.aws('DynamoDB', () =>
    DynamoDBDocumentClient.from(ctx.dynamo).send(
      new DeleteCommand({ TableName: ctx.table, Key: { pk: quarantinePartitionKey(route), sk: group } }),
    ),
  );
  return true;
}
