// Reads a topic from the start with a fresh consumer group, for tests that check what was
// written (the producer API): every record's partition, offset, key, value and headers as text.
import { createKafka, uniqueName } from './kafka.ts';
import { eventually } from './wait.ts';

export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The topic's records once at least `expected` were read, then `settleMs` more (so extra records,
 * duplicates, would be seen too), in partition and offset order. `brokers` for another broker.
 */
export async function readTopic(
  topic: string,
  expected: number,
  options: { readonly settleMs?: number; readonly timeoutMs?: number } = {},
): Promise<ReadRecord[]> {
  const kafka = createKafka(uniqueName('reader'));
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        records.push({
          partition,
          offset: message.offset,
          key: message.key === null ? null : message.key.toString('utf8'),
          value: message.value?.toString('utf8') ?? '',
          headers,
        });
      },
    });
    await eventually(
      `${expected} records of ${topic}`,
      async () => (records.length >= expected ? true : undefined),
      {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: 100,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 1_000));
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
