// Waiting in tests for what the bridge does in the background, and what it complained of meanwhile.
import type { LocalLog } from '../../lib/local/bridge.ts';

export interface EventuallyOptions {
  readonly timeoutMs: number;
  /** Pause between two probes. */
  readonly intervalMs: number;
  /** What the bridge logged meanwhile, quoted in the timeout's error. */
  readonly problems?: readonly string[];
}

/** The first value `probe` gives other than undefined; throws naming `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: EventuallyOptions,
): Promise<T> {
  const end = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) {
      const logs = options.problems === undefined ? '' : `; bridge logs:\n${options.problems.join('\n')}`;
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}

/** A local bridge log keeping its warnings and errors as lines in `problems`. */
export function problemLog(): { readonly problems: string[]; readonly log: LocalLog } {
  const problems: string[] = [];
  const log: LocalLog = {
    info: () => undefined,
    warn: (message, details) => problems.push(`warn ${message} ${JSON.stringify(details)}`),
    error: (message, details) => problems.push(`error ${message} ${JSON.stringify(details)}`),
  };
  return { problems, log };
}
