import { CliError } from '../../cli/errors.ts';
import type { ReplayedRecord, ReplayReport } from '../../cli/replay.ts';
import type { PageContext, PostResult } from '../router.ts';

/** Starts a replay in the background (lib/console/jobs.ts); answers where its progress shows. */
export function startReplay(
  page: PageContext,
  route: string,
  title: string,
  run: (onRecord: (record: ReplayedRecord) => void) => Promise<ReplayReport | readonly ReplayReport[]>,
): PostResult {
  page.ctx.route(route); // an unknown route is a clear error before anything starts
  const running = page.jobs.running(route);
  if (running !== undefined) {
    return {
      status: 409,
      value: {
        error: `a replay of route ${route} is running: wait for it`,
        job: page.href('/job', { id: running.id }),
      },
    };
  }
  const job = page.jobs.start(title, route, async (onRecord) => {
    const result = await run(onRecord);
    return Array.isArray(result) ? result : [result as ReplayReport];
  });
  return { status: 202, value: { job: page.href('/job', { id: job.id }) } };
}

export function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new CliError(`${name} must be a non-empty string`);
  return value;
}

export function stringList(value: unknown, name: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > 10_000 ||
    !value.every((v) => typeof v === 'string' && v !== '')
  ) {
    throw new CliError(`${name} must be a list of 1 to 10000 record ids`);
  }
  return value as string[];
}
