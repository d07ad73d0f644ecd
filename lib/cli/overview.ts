import { type BreakerReading, readBreaker } from '../breaker/breaker.ts';
import { type ArchivedEntry, listArchived } from './archived.ts';
import { type CliContext, messageOf } from './context.ts';
import { dlqList } from './dlq.ts';
import { quarantineList } from './quarantine.ts';
import { type RouteStatus, status } from './status.ts';

/** A part of a reading that could not be taken: why, in one line. */
export interface ReadError {
  readonly error: string;
}

export type Reading<T> = T | ReadError;

export function failed<T>(reading: Reading<T>): reading is ReadError {
  return typeof reading === 'object' && reading !== null && 'error' in reading;
}

/** One route at a glance: what `status`, `dlq list` and `quarantine list` say, and its breaker. */
export interface RouteOverview {
  readonly route: string;
  readonly status: Reading<RouteStatus>;
  /** Summed over the partitions. */
  readonly lag: Reading<string>;
  readonly quarantinedKeys: Reading<number>;
  readonly breaker: Reading<BreakerReading>;
  /** The newest dead letter waiting for an operator; null when there is none. */
  readonly lastDeadLetter: Reading<{
    readonly recordId: string;
    readonly time: string;
    readonly reason: string;
  } | null>;
}

/**
 * Reads one route with the CLI's own functions; each part that fails is reported as its error
 * rather than failing the whole reading, so one broken route (or service) does not hide the rest.
 */
export async function routeOverview(ctx: CliContext, routeName: string): Promise<RouteOverview> {
  const route = ctx.route(routeName);
  const [routeStatus, quarantined, breaker, deadLetters] = await Promise.all([
    reading(async () => (await status(ctx, routeName))[0] as RouteStatus),
    reading(async () => (await quarantineList(ctx, routeName)).length),
    reading<BreakerReading>(async () =>
      route.breaker === undefined
        ? { state: 'none' }
        : ctx.aws('DynamoDB', () => readBreaker(ctx.dynamo, ctx.table, route.name)),
    ),
    reading(async () => (await dlqList(ctx, routeName))[0]?.deadLetters ?? []),
  ]);
  return {
    route: routeName,
    status: routeStatus,
    lag: failed(routeStatus)
      ? routeStatus
      : routeStatus.partitions.reduce((sum, p) => sum + BigInt(p.lag), 0n).toString(),
    quarantinedKeys: quarantined,
    breaker,
    lastDeadLetter: failed(deadLetters)
      ? deadLetters
      : (deadLetters
          .map(({ recordId, time, reason }) => ({ recordId, time, reason }))
          .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0] ?? null),
  };
}

/** Per minute (its start, ms since the epoch) over the last `minutes`: records dead-lettered or parked, from the archive's timestamps. */
export async function deadLetteredPerMinute(
  ctx: CliContext,
  routeName: string,
  now: number = Date.now(),
  minutes = 60,
): Promise<Map<number, number>> {
  const entries: ArchivedEntry[] = await listArchived(ctx, ctx.route(routeName));
  const from = Math.floor(now / 60_000) - minutes + 1;
  const counts = new Map<number, number>();
  for (const entry of entries) {
    const minute = Math.floor(Date.parse(entry.record.archivedAt) / 60_000);
    if (minute >= from) counts.set(minute * 60_000, (counts.get(minute * 60_000) ?? 0) + 1);
  }
  return counts;
}

/** `read` for each route (the one named, or all), each failure kept as that route's error. */
export async function eachRoute<T>(
  ctx: CliContext,
  routeName: string | undefined,
  read: (route: string) => Promise<T>,
): Promise<{ readonly route: string; readonly reading: Reading<T> }[]> {
  return Promise.all(
    ctx
      .routes(routeName)
      .map(async (route) => ({ route: route.name, reading: await reading(() => read(route.name)) })),
  );
}

async function reading<T>(read: () => Promise<T>): Promise<Reading<T>> {
  try {
    return await read();
  } catch (error) {
    return { error: messageOf(error) };
  }
}
