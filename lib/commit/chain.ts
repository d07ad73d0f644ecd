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
  const unique = [...byFrom].map(([from, offset]) => ({ from, offset }));
  // The walk over segments (sorted, disjoint): the first one that does not reach the position
  // is the hole.
  let position = committed;
  for (const segment of compactLinks(unique)) {
    if (segment.from > position) break;
    if (segment.offset >= position) position = segment.offset + 1n;
  }
  let passed = 0;
  const remaining: ChainLink[] = [];
  for (const link of unique) {
    if (link.offset < position) passed++;
    else remaining.push(link);
  }
  return {
    committed: position,
    passed,
    waitingBehindHole: remaining.length,
    stale,
    remaining: compactLinks(remaining),
  };
}

/**
 * Joins links whose positions meet or overlap (`next.from <= previous.offset + 1`) into one
 * segment `{ from: first from, offset: largest offset }`, sorted by `from`. A link stands for the
 * positions `from..offset`: its record finished and the positions before it hold nothing to
 * forward (the `from` chain), so a union of links that meet is again such a stretch, and reaching
 * its `from` moves the committed offset past its `offset` exactly as walking the links would.
 * The commit's state keeps the finished records above a hole as a few segments, not one link
 * each; a link read again (an entry inside the re-read margin) falls inside its segment instead
 * of starting a second, overlapping one that the walk could not continue from.
 */
export function compactLinks(links: Iterable<ChainLink>): ChainLink[] {
  const sorted = [...links].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const segments: { from: bigint; offset: bigint }[] = [];
  for (const { from, offset } of sorted) {
    const last = segments.at(-1);
    if (last !== undefined && from <= last.offset + 1n) {
      if (offset > last.offset) last.offset = offset;
    } else segments.push({ from, offset });
  }
  return segments;
}
