// The producer API (lib/producer) through a broker restart mid-send: its own single-node broker
// (test/support/second-broker.ts, ports 29192/29193 unless PRODUCER_BROKER_PORT /
// PRODUCER_CONTROLLER_PORT say otherwise) is stopped while records are being sent and started
// again on the same log dirs. Every send must resolve, and the topic must hold each record
// exactly once (idempotent producer: a batch sent again after a lost answer is dropped by the
// broker), in order per key. The broker is stopped and wiped after the file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BridgeProducer, type SentRecord } from '../../lib/producer/index.ts';
import { createTopic, uniqueName } from '../support/kafka.ts';
import { secondBroker } from '../support/second-broker.ts';
import { readTopic } from '../support/topic-reader.ts';

const own = secondBroker(
  'producer-restart',
  Number(process.env.PRODUCER_BROKER_PORT ?? 29192),
  Number(process.env.PRODUCER_CONTROLLER_PORT ?? 29193),
);

before(
  async () => {
    await own.broker('start');
    process.env.KAFKA_BROKERS = own.brokers.join(',');
  },
  { timeout: 200_000 },
);
after(() => own.broker('reset'), { timeout: 200_000 });

test('broker stopped and started again mid-send: every send resolves, nothing lost, no duplicate', {
  timeout: 400_000,
}, async () => {
  const topic = uniqueName('producer-restart');
  await createTopic(topic, 3);
  const sent: SentRecord[] = [];
  let retries = 0;
  const producer = new BridgeProducer({
    kafka: { brokers: own.brokers },
    kafkaLog: 'nothing',
    retry: { attempts: 20, baseMs: 200, maxMs: 5_000 },
    onSuccess: (record) => sent.push(record),
    metrics: {
      count: (name, value) => {
        if (name === 'retries') retries += value;
      },
      duration: () => undefined,
    },
  });
  const total = 240;
  const keys = 12;
  let stopped = '';
  try {
    // Each key's records one after the other (as a team sends per entity), the keys at once.
    const senders = Array.from({ length: keys }, async (_, k) => {
      for (let i = k; i < total; i += keys) {
        await producer.send(topic, `key-${k}`, `value-${i}`, { seq: String(i) });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    // Stop the broker once a third is written, start it again.
    const restart = (async () => {
      while (sent.length < total / 3) await new Promise((resolve) => setTimeout(resolve, 20));
      const at = sent.length;
      const down = await own.broker('stop');
      const up = await own.broker('start');
      stopped = `stopped after ${at} sends (${down.toFixed(1)} s), started again in ${up.toFixed(1)} s`;
    })();
    await Promise.all([...senders, restart]);
  } finally {
    await producer.close();
  }
  console.log(`[reliability] producer restart: ${stopped}; ${retries} retries`);
  assert.equal(sent.length, total, 'every send resolved');
  const records = await readTopic(topic, total, { settleMs: 3_000, timeoutMs: 120_000 });
  const values = records.map((record) => record.value);
  assert.equal(new Set(values).size, values.length, 'no record twice');
  assert.equal(records.length, total, 'nothing lost');
  for (let k = 0; k < keys; k++) {
    const seqs = records
      .filter((record) => record.key === `key-${k}`)
      .map((record) => Number(record.headers.seq));
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `key-${k} in order`,
    );
  }
});
