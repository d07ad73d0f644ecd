// The producer API (lib/producer) over a fake kafkajs client that numbers batches as kafkajs's
// idempotent producer does (node_modules/kafkajs/src/producer/sendMessages.js: the partition's
// sequence number is taken when a request is built, under a per-broker lock, and given back when
// the request fails) and a fake broker log that keeps Kafka's idempotence rule (a batch whose
// producer id and sequence number were already written is answered with the first one's offset
// and not written again). A write whose answer is lost is where that rule and the give-back meet:
// a record sent behind it must not be taken for its duplicate, and the retry must not land twice.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { BridgeProducer } from '../../../lib/producer/index.ts';
import { Turns } from '../../../lib/producer/turns.ts';

interface Written {
  readonly pid: number;
  readonly seq: number;
  readonly value: string;
}

/** One partition's log with Kafka's idempotent-producer rule, and scripted faults. */
class FakeBroker {
  readonly log: Written[] = [];
  /** What the next produce requests do: 'ok', 'lost' (written, answer lost), 'down' (not written). */
  readonly faults: ('ok' | 'lost' | 'down')[] = [];
  nextPid = 1;

  async produce(pid: number, seq: number, value: string): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 2));
    const fault = this.faults.shift() ?? 'ok';
    if (fault === 'down') throw new Error('connection closed');
    const same = this.log.findIndex((w) => w.pid === pid && w.seq === seq);
    let offset = same;
    if (same === -1) {
      const last = this.log.filter((w) => w.pid === pid).at(-1)?.seq ?? -1;
      if (seq !== last + 1) throw new Error(`OUT_OF_ORDER_SEQUENCE_NUMBER: ${seq} after ${last}`);
      this.log.push({ pid, seq, value });
      offset = this.log.length - 1;
    }
    if (fault === 'lost') throw new Error('request timed out (written, answer lost)');
    return offset;
  }

  get values(): string[] {
    return this.log.map((w) => w.value);
  }
}

/** The kafkajs surface the writer uses: producer() with kafkajs's numbering, admin() with one partition. */
function fakeKafka(broker: FakeBroker): Kafka {
  const producer = () => {
    const pid = broker.nextPid++;
    let sequence = 0;
    let lock = Promise.resolve();
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async ({ messages }: { messages: { value: string }[] }) => {
        const turn = lock;
        let unlock!: () => void;
        lock = new Promise((resolve) => {
          unlock = resolve;
        });
        await turn;
        const firstSequence = sequence;
        sequence += messages.length;
        try {
          const offset = await broker.produce(pid, firstSequence, String(messages[0]?.value));
          return [{ topicName: 't', partition: 0, errorCode: 0, baseOffset: String(offset) }];
        } catch (error) {
          sequence -= messages.length;
          throw error;
        } finally {
          unlock();
        }
      },
    };
  };
  const admin = () => ({
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicMetadata: async () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0 }] }] }),
  });
  return { producer, admin } as unknown as Kafka;
}

function producerOver(broker: FakeBroker, attempts: number): BridgeProducer {
  return new BridgeProducer({
    client: fakeKafka(broker),
    retry: { attempts, baseMs: 1, maxMs: 1, jitter: 'none' },
  });
}

describe('BridgeProducer over a lost answer', () => {
  test('a send behind one whose answer was lost is neither dropped as its duplicate nor overtaken', async () => {
    const broker = new FakeBroker();
    broker.faults.push('lost');
    const producer = producerOver(broker, 5);
    const sends = ['a', 'b', 'c'].map((value) => producer.send('t', 'k', value));
    const results = await Promise.all(sends);
    await producer.close();
    assert.deepEqual(broker.values, ['a', 'b', 'c'], 'each record once, in the order sent');
    assert.deepEqual(
      results.map((r) => r.offset),
      ['0', '1', '2'],
    );
    assert.equal(results[0]?.attempts, 2, "a's retry was answered with its first write's offset");
  });

  test('after a send gives up, the next record goes under a new producer id and is written', async () => {
    const broker = new FakeBroker();
    broker.faults.push('lost', 'down', 'down');
    const producer = producerOver(broker, 3);
    const first = producer.send('t', 'k', 'a');
    const second = producer.send('t', 'k', 'b');
    await assert.rejects(first, /connection closed/);
    const sent = await second;
    await producer.close();
    assert.deepEqual(broker.values, ['a', 'b'], 'b is written, not taken for a repeat of a');
    assert.equal(sent.offset, '1');
    assert.deepEqual(
      broker.log.map((w) => w.pid),
      [1, 2],
      'b under a new producer id',
    );
  });

  test('sends to one partition keep the order they were made in, through many lost answers', async () => {
    const broker = new FakeBroker();
    for (let i = 0; i < 40; i++) broker.faults.push(i % 3 === 0 ? 'lost' : i % 5 === 0 ? 'down' : 'ok');
    const producer = producerOver(broker, 20);
    const values = Array.from({ length: 30 }, (_, i) => `v${i}`);
    await Promise.all(values.map((value) => producer.send('t', 'k', value)));
    await producer.close();
    assert.deepEqual(broker.values, values);
  });
});

describe('Turns', () => {
  test('one holder per id at a time, in the order asked; other ids do not wait', async () => {
    const turns = new Turns();
    const order: string[] = [];
    const a = await turns.take('p0');
    const b = turns.take('p0').then((release) => {
      order.push('b');
      release();
    });
    const other = await turns.take('p1');
    order.push('p1');
    other();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(order, ['p1'], 'b waits for a');
    a();
    a();
    await b;
    assert.deepEqual(order, ['p1', 'b']);
    assert.equal(turns.busy, 0, 'nothing left held');
  });
});
