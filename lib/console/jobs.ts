import { randomUUID } from 'node:crypto';
import { messageOf } from '../cli/context.ts';
import type { ReplayedRecord, ReplayReport } from '../cli/replay.ts';

/** A replay the console started: its records as their outcomes become known, then the report. */
export interface Job {
  readonly id: string;
  readonly title: string;
  readonly route: string;
  readonly startedAt: string;
  readonly records: ReplayedRecord[];
  state: 'running' | 'done' | 'failed';
  reports: readonly ReplayReport[];
  error: string | undefined;
}

/**
 * Replays run in the background, so the page can show each record's outcome as the replay
 * learns it (a quarantined key is replayed one record at a time, each waited for). One replay
 * per route at a time: two at once could send a key's records past each other. This check
 * answers at once within one console; the durable lock (lib/cli/replay-lock.ts) holds across
 * consoles and the CLI.
 */
export class Jobs {
  readonly #jobs = new Map<string, Job>();

  /** The running replay of the route, if any. */
  running(route: string): Job | undefined {
    return [...this.#jobs.values()].find((job) => job.route === route && job.state === 'running');
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  start(
    title: string,
    route: string,
    run: (onRecord: (record: ReplayedRecord) => void) => Promise<readonly ReplayReport[]>,
  ): Job {
    const job: Job = {
      id: randomUUID(),
      title,
      route,
      startedAt: new Date().toISOString(),
      records: [],
      state: 'running',
      reports: [],
      error: undefined,
    };
    this.#jobs.set(job.id, job);
    // The newest 100 are kept; a finished replay's page stays readable until 100 more ran.
    for (const [id, old] of this.#jobs) {
      if (this.#jobs.size <= 100) break;
      if (old.state !== 'running') this.#jobs.delete(id);
    }
    run((record) => job.records.push(record)).then(
      (reports) => {
        job.reports = reports;
        job.state = 'done';
      },
      (error: unknown) => {
        job.error = messageOf(error);
        job.state = 'failed';
      },
    );
    return job;
  }

  /** Waits for the running replays (the server's close). */
  async settle(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ([...this.#jobs.values()].some((job) => job.state === 'running') && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
