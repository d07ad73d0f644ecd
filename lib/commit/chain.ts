/**
 * The heart of invariant I4: the committed offset moves only along a chain of completions.
 * A completion with `from == committed` moves it to `offset + 1`; anything else waits. Kafka
 * offsets have gaps (transaction markers, compaction, records the poller filtered), and `from`
 * is what bridges them: the poller sets it to the position right after the previous record it
 * forwarded, so a gap is never mistaken for a missing completion, nor the reverse.
 */

export interface ChainLink {
  readonly from: bigint;
  readonly offset: bigint;
}

export interface ChainAdvance {
  /** The new committed offset (never below the one given). */
  readonly committed: bigint;
  /** Links the chain passed through (their records are now below the committed offset). */
  readonly passed: number;
  /** Links at or past the new committed offset: finished records waiting behind a hole. */
  readonly waitingBehindHole: number;
  /** Links entirely below the committed offset given: already committed, safe to delete. */
  readonly stale: number;
  /** The links still at or past the new committed offset, compacted into segments (compactLinks). */
  readonly remaining: readonly ChainLink[];
}

export function advanceCommitted(committed: bigint, links: Iterable<ChainLink>): ChainAdvance {
  // A record delivered twice (after a crash) can leave two links with the same `from`; they
  // carry the same offset, but keep the larger so a malformed duplicate cannot shorten the chain.
  const byFrom = new Map<bigint, bigint>();
  let stale = 0;
  for (const link of links) {
    if (link.offset < link.from) {
      throw new RangeError(`completion link has offset ${link.offset} before its from ${link.from}`);
    }
    if (link.offset < committed) {
      stale++;
      continue;
    }
    const known = byFrom.get(link.from);
    if (known === undefined || link.offset > known) byFrom.set(link.from, link.offset);
  }
  let position = committed;
  let passed = 0;
  for (let next = byFrom.get(position); next !== undefined; next = byFrom.get(position)) {
    byFrom.delete(position);
    position = next + 1n;
    passed++;
  }
  let waitingBehindHole = 0;
  const remaining: ChainLink[] = [];
  for (const [from, offset] of byFrom) {
    if (offset < position) continue;
    waitingBehindHole++;
    remaining.push({ from, offset });
  }
  return {
    committed: position,
    passed,
    waitingBehindHole,
    stale: stale + (byFrom.size - waitingBehindHole),
    remaining: compactLinks(remaining),
  };
}

/**
 * Joins links that follow each other (`next.from == previous.offset + 1`) into one segment
 * `{ from: first from, offset: last offset }`: the walk treats a segment exactly as the chain of
 * links it replaces (reaching its `from` moves the committed offset past its `offset`), so the
 * commit's state keeps the finished records above a hole as a few segments, not one link each.
 * Links with the same `from` keep the larger offset, as in advanceCommitted.
 */
export function compactLinks(links: Iterable<ChainLink>): ChainLink[] {
  const byFrom = new Map<bigint, bigint>();
  for (const link of links) {
    const known = byFrom.get(link.from);
    if (known === undefined || link.offset > known) byFrom.set(link.from, link.offset);
  }
  const sorted = [...byFrom].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const segments: { from: bigint; offset: bigint }[] = [];
  for (const [from, offset] of sorted) {
    const last = segments.at(-1);
    if (last !== undefined && from === last.offset + 1n) last.offset = offset;
    else segments.push({ from, offset });
  }
  return segments;
}
