/**
 * What one poller knows about one partition it owns: where forwarding stands (`next`), which
 * forwarded records the progress group has not committed yet (the in-flight window, I6), and
 * the `from` of the next record (I4). Pure bookkeeping, no I/O, so the rules are unit-tested.
 *
 * `next` is the position after the last record forwarded, or the start position: every record
 * below it was forwarded (or is below the progress group's committed offset). A record is
 * forwardable only when it is read from a fetch that began at or before `next` (nothing in
 * between was skipped, I3) and its offset is at least `next` (older ones are duplicates of a
 * re-read and are dropped).
 */
export class PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  #next: bigint;
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
    this.#committed = start;
  }

  /** The position of the next record to forward (previous forwarded offset + 1, or the start). */
  get next(): bigint {
    return this.#next;
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
    const from = this.#next;
    this.#forwarded.push(offset);
    this.#next = offset + 1n;
    return from;
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
