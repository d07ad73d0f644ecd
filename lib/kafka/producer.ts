import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/** One record to write. */
export interface OutgoingRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  /** A name may repeat: its values as a list, in order. */
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[]>>;
}

/** Where a written record landed. */
export interface WrittenRecord {
  readonly partition: number;
  readonly offset: string;
}

/**
 * The bridge's idempotent Kafka writer (kafkajs stays behind lib/kafka): `idempotent: true`, so
 * the broker drops a batch kafkajs sends again after a lost answer (sequence numbers per
 * partition), acks from every in-sync replica (acks=all, which idempotence requires) and one
 * request in flight per connection, which keeps the records of a partition in order. kafkajs's
 * own retries ride through a broker restart within `retryForMs`.
 */
export class IdempotentWriter {
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  readonly #partitions = new Map<string, Promise<number>>();
  readonly #partitioner = Partitioners.DefaultPartitioner();

  constructor(kafka: Kafka, options: { readonly retryForMs?: number } = {}) {
    this.#kafka = kafka;
    const maxRetryTime = 2_000;
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 100,
        maxRetryTime,
        retries: Math.max(5, Math.ceil((options.retryForMs ?? 30_000) / maxRetryTime)),
      },
    });
  }

  connect(): Promise<void> {
    return this.#producer.connect();
  }

  disconnect(): Promise<void> {
    return this.#producer.disconnect();
  }

  /** The partition the default (murmur2) partitioner gives `key` in `topic`, as Java clients do. */
  async partitionFor(topic: string, key: Buffer | string | null): Promise<number> {
    const count = await this.#partitionCount(topic);
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    return this.#partitioner({ topic, partitionMetadata, message: { key, value: null } });
  }

  /** Writes `record` to `partition` of `topic` with acks=all. */
  async write(topic: string, partition: number, record: OutgoingRecord): Promise<WrittenRecord> {
    const [result] = await this.#producer.send({
      topic,
      acks: -1,
      messages: [{ partition, key: record.key, value: record.value, headers: { ...record.headers } }],
    });
    if (result === undefined || result.baseOffset === undefined) {
      throw new Error(`kafka: no offset in the answer for ${topic}/${partition}`);
    }
    return { partition: result.partition, offset: result.baseOffset };
  }

  #partitionCount(topic: string): Promise<number> {
    let count = this.#partitions.get(topic);
    if (count === undefined) {
      count = this.#fetchCount(topic);
      this.#partitions.set(topic, count);
      count.catch(() => this.#partitions.delete(topic));
    }
    return count;
  }

  async #fetchCount(topic: string): Promise<number> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const found = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (found === 0) throw new Error(`kafka: topic ${topic} has no partitions (does it exist?)`);
      return found;
    } finally {
      await admin.disconnect();
    }
  }
}
