import type { DynamoDBStreamEvent } from 'aws-lambda';
import { parsePartitionKey } from '../completion/completion.ts';
import { parseEntriesPartitionKey } from '../completion/entry.ts';
import { progressGroupId, type Route } from '../config/index.ts';
import { type Committer, type RouteCommitResult, routeLag } from './committer.ts';

/**
 * The routes a batch of stream keys touches: a ledger entry's key (what deliverers write, once
 * per batch) or a per-record completion's (replays, the redrive consumer), each parsed by its
 * own module. Other items of the table (leases, quarantine markers) and unknown routes are
 * ignored.
 */
export function routesTouched(routes: readonly Route[], partitionKeys: Iterable<string>): Route[] {
  const touched = new Set<string>();
  for (const key of partitionKeys) {
    const route = parseEntriesPartitionKey(key) ?? parsePartitionKey(key)?.route;
    if (route !== undefined) touched.add(route);
  }
  return routes.filter((route) => touched.has(route.name));
}

/** The routes a stream event's records touch, by each record's partition key (`pk`). */
export function routesOfStreamEvent(routes: readonly Route[], event: DynamoDBStreamEvent): Route[] {
  return routesTouched(
    routes,
    event.Records.flatMap((r) => (r.dynamodb?.Keys?.pk?.S === undefined ? [] : [r.dynamodb.Keys.pk.S])),
  );
}

/**
 * Commits each route in turn. One route's failure does not stop the others (a team's broken
 * topic must not hold back another team's commits); the failures are returned together.
 */
export async function commitRoutes(
  committer: Committer,
  routes: readonly Route[],
): Promise<{ results: RouteCommitResult[]; failures: { route: string; error: unknown }[] }> {
  const results: RouteCommitResult[] = [];
  const failures: { route: string; error: unknown }[] = [];
  for (const route of routes) {
    try {
      results.push(
        await committer.commitRoute({
          route: route.name,
          progressGroupId: progressGroupId(route),
          topics: route.topics,
        }),
      );
    } catch (error) {
      failures.push({ route: route.name, error });
    }
  }
  return { results, failures };
}

/**
 * The largest lag among the routes a run committed (undefined when it committed none): one
 * bridge-level series the poller scales on, whatever the number of routes.
 */
export function largestRouteLag(results: readonly RouteCommitResult[]): bigint | undefined {
  let largest: bigint | undefined;
  for (const result of results) {
    if (result.status !== 'committed') continue;
    const lag = routeLag(result.partitions);
    if (largest === undefined || lag > largest) largest = lag;
  }
  return largest;
}
