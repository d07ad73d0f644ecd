/**
 * The share of its rate a partition may use, given how full its in-flight window is
 * (docs/architecture.md: the rate is "lowered automatically while in-flight grows"). Up to half full it
 * runs at full rate; from there the rate falls linearly to MIN_RATE_FACTOR at a full window.
 * Slowing before the hard stop (the pause at maxInFlight) keeps a slow endpoint from seeing
 * bursts of maxInFlight records followed by silences.
 */
export const MIN_RATE_FACTOR = 0.25;

export function inFlightRateFactor(inFlight: number, maxInFlight: number): number {
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`inFlightRateFactor: maxInFlight must be an integer >= 1, got ${maxInFlight}`);
  }
  const fill = Math.min(1, Math.max(0, inFlight / maxInFlight));
  if (fill <= 0.5) return 1;
  return 1 - ((fill - 0.5) / 0.5) * (1 - MIN_RATE_FACTOR);
}

/** A route's rate split over the partitions one poller task owns (at least one). */
export function partitionShare(routeRate: number, ownedPartitions: number): number {
  return routeRate / Math.max(1, ownedPartitions);
}
