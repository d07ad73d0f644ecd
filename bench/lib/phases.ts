// A measured phase: wait until the endpoint has answered success for `expected` records, then
// collect what it saw.
import type { Arrival, BenchEndpoint } from './endpoint.ts';
import { waitUntil } from './stats.ts';

export interface PhaseResult {
  /** Records answered with success, first success per record. */
  readonly delivered: Arrival[];
  /** Every record seen (failed ones too). */
  readonly seen: Arrival[];
  /** Requests in all (retries and duplicates included). */
  readonly requests: number;
}

export async function untilDelivered(
  endpoint: BenchEndpoint,
  expected: number,
  what: string,
  timeoutMs: number,
  extraProgress: () => string = () => '',
): Promise<PhaseResult> {
  let last = 0;
  await waitUntil(
    what,
    async () => {
      last = await endpoint.succeeded();
      return last >= expected;
    },
    timeoutMs,
    async () => `(${last} of ${expected} delivered) ${extraProgress()}`,
  );
  const { arrivals, requests } = await endpoint.collect();
  return { delivered: arrivals.filter((a) => a.succeeded), seen: arrivals, requests };
}
