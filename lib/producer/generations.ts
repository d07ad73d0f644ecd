import type { IdempotentWriter } from '../kafka/producer.ts';

/** One idempotent producer (one producer id, its own sequence numbers) and the sends using it. */
export interface Generation {
  readonly writer: Promise<IdempotentWriter>;
}

interface Entry {
  users: number;
  retired: boolean;
}

/**
 * The producer's kafkajs producers over time. A send joins the current generation and keeps it
 * for all its attempts (a retry must reuse the producer id and sequence number of the batch it
 * repeats, or the broker cannot drop the repeat). A send that gives up retires its generation:
 * its last batch may have been written without an answer, so that producer id's next sequence
 * number for the partition is unknown, and a later record sent under it could be dropped as a
 * duplicate. Later sends start a new generation (a new producer id, as the Java client bumps
 * its epoch); a retired one is disconnected when its last send leaves it.
 */
export class Generations {
  readonly #open: () => Promise<IdempotentWriter>;
  readonly #entries = new Map<Generation, Entry>();
  #current: Generation | undefined;

  constructor(open: () => Promise<IdempotentWriter>) {
    this.#open = open;
  }

  join(): Generation {
    if (this.#current === undefined) {
      const generation: Generation = { writer: this.#open() };
      this.#entries.set(generation, { users: 0, retired: false });
      // A producer that never connected is retired at once: the next send opens another.
      generation.writer.catch(() => this.retire(generation));
      this.#current = generation;
    }
    const entry = this.#entries.get(this.#current);
    if (entry !== undefined) entry.users += 1;
    return this.#current;
  }

  leave(generation: Generation): void {
    const entry = this.#entries.get(generation);
    if (entry === undefined) return;
    entry.users -= 1;
    this.#disconnectIfDone(generation, entry);
  }

  retire(generation: Generation): void {
    const entry = this.#entries.get(generation);
    if (entry === undefined) return;
    entry.retired = true;
    if (this.#current === generation) this.#current = undefined;
    this.#disconnectIfDone(generation, entry);
  }

  /** Disconnects every producer, in use or not (sends still running fail). */
  async close(): Promise<void> {
    const all = [...this.#entries.keys()];
    this.#entries.clear();
    this.#current = undefined;
    await Promise.all(all.map((generation) => disconnect(generation)));
  }

  #disconnectIfDone(generation: Generation, entry: Entry): void {
    if (!entry.retired || entry.users > 0) return;
    this.#entries.delete(generation);
    void disconnect(generation);
  }
}

async function disconnect(generation: Generation): Promise<void> {
  const writer = await generation.writer.catch(() => undefined);
  await writer?.disconnect().catch(() => undefined);
}
