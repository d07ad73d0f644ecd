import { parsePartitionKey } from '../completion/completion.ts';
import { progressGroupId, type Route } from '../config/index.ts';
import { type Committer, type RouteCommitResult, routeLag } from './committer.ts';

/**
 * The routes a batch of completion keys touches (`<route>#<topic>#<partition>`). Other items of
 * the table (leases, quarantine markers) and unknown routes are ignored.
 */
export function routesTouched(routes: readonly Route[], partitionKeys: Iterable<string>): Route[] {
  const touched = new Set<string>();
  for (const key of partitionKeys) {
    const parsed = parsePartitionKey(key);
    if (parsed) touched.add(parsed.route);
  }
  return routes.filter((route) => touched.has(route.name));
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
