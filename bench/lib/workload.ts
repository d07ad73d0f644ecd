// The records the benchmarks deliver: a topic of P partitions, keys key-0..key-(K-1) taken in
// turn (so every key has the same share and Kafka's default partitioner spreads them over the
// partitions), small JSON values; produced all at once (a backlog) or at a steady rate. Each
// record's timestamp is its produce time, which the endpoint subtracts from its arrival time.
import type { Producer } from 'kafkajs';
import { createKafka, createTopic, uniqueName } from '../../test/support/kafka.ts';

export interface Workload {
  readonly topic: string;
  readonly partitions: number;
  readonly keys: number;
}

export function keyOf(index: number, keys: number): string {
  return `key-${index % keys}`;
}

export async function createWorkload(prefix: string, partitions: number, keys: number): Promise<Workload> {
  const topic = uniqueName(prefix);
  await createTopic(topic, partitions);
  return { topic, partitions, keys };
}

/** A connected producer; disconnect it when done. */
export async function connectProducer(): Promise<Producer> {
  const producer = createKafka('bench-producer').producer();
  await producer.connect();
  return producer;
}

function messages(workload: Workload, first: number, count: number) {
  const now = String(Date.now());
  return Array.from({ length: count }, (_, j) => ({
    key: keyOf(first + j, workload.keys),
    value: JSON.stringify({ n: first + j, note: 'benchmark record' }),
    timestamp: now,
  }));
}

/** Produces `records` records as fast as the broker takes them; returns the next record index. */
export async function produceBacklog(
  producer: Producer,
  workload: Workload,
  records: number,
  first = 0,
): Promise<number> {
  for (let i = 0; i < records; i += 1_000) {
    await producer.send({
      topic: workload.topic,
      messages: messages(workload, first + i, Math.min(1_000, records - i)),
    });
  }
  return first + records;
}

/**
 * Produces `perSecond` records a second for `seconds`, in small sends every 20 ms (each record
 * stamped when its send starts); returns the next record index.
 */
export async function produceAtRate(
  producer: Producer,
  workload: Workload,
  perSecond: number,
  seconds: number,
  first = 0,
): Promise<number> {
  const total = Math.round(perSecond * seconds);
  const started = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * perSecond));
    if (due > sent) {
      await producer.send({ topic: workload.topic, messages: messages(workload, first + sent, due - sent) });
      sent = due;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return first + total;
}
