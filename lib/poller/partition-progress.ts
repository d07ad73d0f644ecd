/**
 * What one poller knows about one partition it owns: where forwarding stands (`next`), which
 * forwarded records the progress group has not committed yet (the in-flight window, I6), and
 * the `from` of the next record (I4). Pure bookkeeping, no I/O, so the rules are unit-tested.
 *
 * `next` is the position after the last record handled (forwarded, or filtered out by the
 * route), or the start position: every record below it was forwarded, filtered, or is below the
 * progress group's committed offset. A record is forwardable only when it is read from a fetch
 * that began at or before `next` (nothing in between was skipped, I3) and its offset is at least
 * `next` (older ones are duplicates of a re-read and are dropped).
 *
 * `chain` is the `from` the next forwarded record carries: the position after the last record
 * forwarded, or the start position. Records filtered out move `next` but not `chain`, so the
 * next forwarded record's `from` covers them (I4). A filtered tail with nothing forwarded after
 * it (`chain < next`) is passed by `filteredTail` once everything forwarded is committed.
 */
export class PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  #next: bigint;
  #chain: bigint;
  #committed: bigint;
  /** Offsets forwarded and not yet below `committed`, ascending: a FIFO with a moving head. */
  #forwarded: bigint[] = [];
  #head = 0;

  constructor(topic: string, partition: number, start: bigint) {
    if (start < 0n)
      throw new RangeError(`partition ${topic}/${partition}: start position ${start} is negative`);
    this.topic = topic;
    this.partition = partition;
    this.#next = start;
    this.#chain = start;
    this.#committed = start;
  }

  /** The position of the next record to forward (previous forwarded offset + 1, or the start). */
  get next(): bigint {
    return this.#next;
  }

  /** The `from` of the next forwarded record: the position after the last one forwarded, or the start. */
  get chain(): bigint {
    return this.#chain;
  }

  /** The progress group's committed offset, as last read. */
  get committed(): bigint {
    return this.#committed;
  }

  /** Records forwarded and not yet committed. */
  get inFlight(): number {
    return this.#forwarded.length - this.#head;
  }

  /**
   * Whether a batch fetched from `fetchedOffset` can be used: a fetch that started after
   * `next` may have skipped records (a seek that had not taken effect, a stale position).
   */
  fetchIsContiguous(fetchedOffset: bigint): boolean {
    return fetchedOffset <= this.#next;
  }

  /** Whether `offset` was already forwarded (a re-read): such a record is dropped, not forwarded. */
  isBehind(offset: bigint): boolean {
    return offset < this.#next;
  }

  /**
   * Records that `offset` was forwarded (its send succeeded) and returns its `from`: the
   * position before it. Offsets must come in ascending order, each at least `next`.
   */
  forwarded(offset: bigint): bigint {
    if (offset < this.#next) {
      throw new RangeError(
        `partition ${this.topic}/${this.partition}: offset ${offset} forwarded behind position ${this.#next}`,
      );
    }
    const from = this.#chain;
    this.#forwarded.push(offset);
    this.#next = offset + 1n;
    this.#chain = offset + 1n;
    return from;
  }

  /**
   * Records that the route filtered out every record up to `offset` after the last one
   * forwarded: `next` moves past them, `chain` stays (the next forwarded record's `from` covers
   * them). Offsets must come in ascending order, each at least `next`.
   */
  filtered(offset: bigint): void {
    if (offset < this.#next) {
      throw new RangeError(
        `partition ${this.topic}/${this.partition}: offset ${offset} filtered behind position ${this.#next}`,
      );
    }
    this.#next = offset + 1n;
  }

  /**
   * Where the progress group may be moved past a filtered tail, or undefined. Only when every
   * forwarded record is committed (`committed >= chain`): the positions from the committed
   * offset to `next` then hold only filtered records and gaps, so nothing unfinished is passed
   * (I4), and no forwarded record's completion can move the commit there concurrently (none is
   * beyond `chain`). A record forwarded later still carries `from = chain`, a link the commit
   * walk follows from any committed offset between its `from` and its offset.
   */
  filteredTail(): bigint | undefined {
    return this.#committed >= this.#chain && this.#committed < this.#next ? this.#next : undefined;
  }

  /**
   * The progress group's committed offset moved (or was read again). Forwarded records below it
   * leave the in-flight window. A committed offset never goes back in this view: an older read
   * (two polls crossing) must not reopen the window.
   */
  updateCommitted(committed: bigint): void {
    if (committed <= this.#committed) return;
    this.#committed = committed;
    while (this.#head < this.#forwarded.length && (this.#forwarded[this.#head] as bigint) < committed)
      this.#head++;
    // Compact now and then so the array does not grow with every record ever forwarded.
    if (this.#head > 1024 && this.#head * 2 > this.#forwarded.length) {
      this.#forwarded = this.#forwarded.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Room left in the in-flight window of `maxInFlight` records. */
  room(maxInFlight: number): number {
    return Math.max(0, maxInFlight - this.inFlight);
  }
}
