/**
 * One send at a time per partition, in the order the sends asked (a FIFO chain per key).
 *
 * Why the producer needs it: kafkajs numbers a partition's batches when it builds a request and
 * takes the number back when the request fails, even when the broker wrote the batch and only
 * the answer was lost. A second send to that partition waiting behind the failed one then gets
 * the same number, and the broker takes its record for a duplicate of the first and drops it
 * (answering success), while the first, retried, is written again with the next number: one
 * record lost and one twice. Holding the partition's turn over all the attempts of one send
 * means every retry reuses the number of the batch it repeats, and nobody else's record does.
 */
export class Turns {
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits for `id`'s turn; call the returned function, exactly once, when done. */
  async take(id: string): Promise<() => void> {
    const previous = this.#tails.get(id) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(id, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      done();
      if (this.#tails.get(id) === tail) this.#tails.delete(id);
    };
  }

  /** Partitions with a send holding or waiting for their turn (for tests). */
  get busy(): number {
    return this.#tails.size;
  }
}
