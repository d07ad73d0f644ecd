import { createHash } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { SampleOrder } from './sample-order.ts';

/** An order the broker acknowledged, with where it landed. */
export interface ProducedOrder extends SampleOrder {
  readonly partition: number;
  readonly offset: bigint;
}

export interface OrderProducerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** The topic's partition count: the producer places each key itself, to know every offset. */
  readonly partitions: number;
  /** Distinct record keys (customers). */
  readonly keys?: number;
  /** Records per second; 0 for as fast as the broker takes them. */
  readonly perSecond?: number;
  /** Prefix of the order ids, unique per run, so the summary only counts this run's orders. */
  readonly runId: string;
}

const BATCH = 50;

/**
 * Writes sample order events to the demo topic: `keys` customers as record keys, each with its
 * own 1, 2, 3... sequence, so the endpoint's view can be checked for per-key order. Idempotent
 * producer, all replicas acknowledging: a produced order is one the broker has.
 */
export class OrderProducer {
  /** Every order the broker acknowledged, in production order. */
  readonly produced: ProducedOrder[] = [];
  readonly #o: OrderProducerOptions;
  readonly #producer: Producer;
  readonly #seq = new Map<string, number>();
  #stopped = false;

  constructor(options: OrderProducerOptions) {
    this.#o = options;
    this.#producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  async connect(): Promise<void> {
    await this.#producer.connect();
  }

  /** Produces `count` orders (Infinity: until stop()), at the configured rate. */
  async produce(count: number): Promise<void> {
    const perSecond = this.#o.perSecond ?? 0;
    const started = Date.now();
    while (!this.#stopped && this.produced.length < count) {
      const size = Math.min(
        BATCH,
        count - this.produced.length,
        perSecond > 0 ? Math.max(1, Math.ceil(perSecond / 10)) : BATCH,
      );
      const orders = Array.from({ length: size }, () => this.#next());
      const placed = orders.map((order) => ({ order, partition: this.#partitionOf(order.customer) }));
      const answers = await this.#producer.send({
        topic: this.#o.topic,
        acks: -1,
        messages: placed.map(({ order, partition }) => ({
          key: order.customer,
          value: JSON.stringify(order),
          partition,
        })),
      });
      // One send's records of a partition are written contiguously from its base offset, in order.
      const next = new Map<number, bigint>();
      for (const answer of answers) next.set(answer.partition, BigInt(answer.baseOffset ?? '-1'));
      for (const { order, partition } of placed) {
        const offset = next.get(partition);
        if (offset === undefined || offset < 0n) {
          throw new Error(
            `producer: the broker did not acknowledge partition ${partition} of ${this.#o.topic}`,
          );
        }
        next.set(partition, offset + 1n);
        this.produced.push({ ...order, partition, offset });
      }
      if (perSecond > 0) {
        // Paced against the start, so slow sends do not lower the average rate.
        const due = started + (this.produced.length / perSecond) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Ends produce() after its current send. */
  stop(): void {
    this.#stopped = true;
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }

  /** Stable per key (a key stays in one partition, as with Kafka's own partitioner). */
  #partitionOf(key: string): number {
    return createHash('sha256').update(key).digest().readUInt32BE(0) % this.#o.partitions;
  }

  #next(): SampleOrder {
    const keys = this.#o.keys ?? 50;
    const customer = `customer-${String(Math.floor(Math.random() * keys) + 1).padStart(3, '0')}`;
    const seq = (this.#seq.get(customer) ?? 0) + 1;
    this.#seq.set(customer, seq);
    return {
      orderId: `${this.#o.runId}-${customer}-${seq}`,
      customer,
      seq,
      amountCents: 100 + Math.floor(Math.random() * 99_900),
      createdAt: new Date().toISOString(),
    };
  }
}
