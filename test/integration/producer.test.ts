// The producer API for teams (lib/producer, docs/producer.md) against the real broker: records
// land where the default partitioner puts their key, callbacks and metrics see every outcome,
// the per-partition token bucket paces a hot partition, and a record that cannot be written
// ends in onFailure and a Discord alert (the notifier's client, a local fake Discord).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { sendOrders } from '../../docs/examples/producer-example.ts';
import { DiscordClient } from '../../lib/notify/discord-client.ts';
import {
  BridgeProducer,
  discordFailureAlert,
  type ProducerMetrics,
  type SentRecord,
} from '../../lib/producer/index.ts';
import { FakeDiscord } from '../support/discord.ts';
import { assertKafkaReachable, createTopic, kafkaBrokers, uniqueName } from '../support/kafka.ts';
import { readTopic } from '../support/topic-reader.ts';

let discord: FakeDiscord;
before(async () => {
  await assertKafkaReachable();
  discord = await FakeDiscord.start();
});
after(() => discord.stop());

class Metrics implements ProducerMetrics {
  readonly counts = new Map<string, number>();
  readonly durations = new Map<string, number[]>();
  count(name: string, value: number): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  duration(name: string, ms: number): void {
    this.durations.set(name, [...(this.durations.get(name) ?? []), ms]);
  }
}

describe('producer API', () => {
  test('sends land in order per key with their headers; callbacks and metrics see each one', async () => {
    const topic = uniqueName('producer');
    await createTopic(topic, 3);
    const sent: SentRecord[] = [];
    const metrics = new Metrics();
    const producer = new BridgeProducer({
      kafka: { brokers: kafkaBrokers() },
      onSuccess: (r) => sent.push(r),
      metrics,
    });
    try {
      for (let i = 0; i < 30; i++)
        await producer.send(topic, `key-${i % 5}`, `value-${i}`, { 'x-seq': String(i) });
    } finally {
      await producer.close();
    }
    const records = await readTopic(topic, 30);
    assert.equal(records.length, 30);
    for (let k = 0; k < 5; k++) {
      const own = records.filter((r) => r.key === `key-${k}`);
      assert.equal(new Set(own.map((r) => r.partition)).size, 1, 'one key, one partition');
      assert.deepEqual(
        own.map((r) => r.headers['x-seq']),
        own.map((r) => r.value.replace('value-', '')),
      );
      assert.deepEqual(
        own.map((r) => Number(r.headers['x-seq'])),
        own.map((r) => Number(r.headers['x-seq'])).sort((a, b) => a - b),
      );
    }
    assert.equal(sent.length, 30);
    assert.ok(sent.every((r) => r.attempts === 1 && r.latencyMs > 0));
    assert.deepEqual(
      sent.map((r) => `${r.partition}/${r.offset}`).sort(),
      records.map((r) => `${r.partition}/${r.offset}`).sort(),
    );
    assert.equal(metrics.counts.get('sent'), 30);
    assert.equal(metrics.durations.get('latency')?.length, 30);
  });

  test('the token bucket paces one partition: 10 records at 20/s with a burst of 1 take about half a second', async () => {
    const topic = uniqueName('producer-rate');
    await createTopic(topic, 1);
    const metrics = new Metrics();
    const producer = new BridgeProducer({
      kafka: { brokers: kafkaBrokers() },
      rateLimit: { perSecond: 20, burst: 1 },
      metrics,
    });
    try {
      await producer.send(topic, 'k', 'warm-up'); // connects and takes the one token
      const started = Date.now();
      await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send(topic, 'k', `v${i}`)));
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 450, `10 records at 20/s took ${elapsed} ms`);
      assert.ok((metrics.counts.get('rateLimitWaits') ?? 0) >= 9);
      assert.ok((metrics.durations.get('rateLimitWait') ?? []).every((ms) => ms > 0));
    } finally {
      await producer.close();
    }
  });

  test('retries exhausted: onFailure, the retries counted, one Discord alert', async () => {
    // A broker that does not exist; a client that fails fast.
    const client = new Kafka({
      brokers: ['127.0.0.1:1'],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 300,
      retry: { retries: 0 },
    });
    const failures: string[] = [];
    const metrics = new Metrics();
    const hook = discord.webhook();
    const producer = new BridgeProducer({
      kafka: { brokers: ['127.0.0.1:1'] },
      client,
      retry: { attempts: 3, baseMs: 10, maxMs: 50 },
      onFailure: (failure) => failures.push(`${failure.topic} ${failure.attempts} ${failure.error.name}`),
      alert: discordFailureAlert(
        new DiscordClient(),
        { secret: 'team/discord', url: hook.url },
        'orders-producer',
      ),
      metrics,
    });
    await assert.rejects(producer.send('orders', 'k1', 'v1'));
    await producer.close().catch(() => undefined);
    assert.equal(failures.length, 1);
    assert.match(failures[0] ?? '', /^orders 3 /);
    assert.equal(metrics.counts.get('retries'), 2);
    assert.equal(metrics.counts.get('failed'), 1);
    const alerts = discord.bodies as {
      embeds: { title: string; fields: { name: string; value: string }[] }[];
    }[];
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]?.embeds[0]?.title ?? '', /orders-producer: gave up writing to orders/);
    assert.equal(alerts[0]?.embeds[0]?.fields.find((f) => f.name === 'attempts')?.value, '3');
  });

  test('the example of docs/examples writes its orders, keyed by customer', async () => {
    const topic = uniqueName('producer-example');
    await createTopic(topic, 2);
    const orders = [
      { id: 'o1', customer: 'c1' },
      { id: 'o2', customer: 'c2' },
      { id: 'o3', customer: 'c1' },
    ];
    assert.equal(await sendOrders(kafkaBrokers(), topic, orders), 3);
    const records = await readTopic(topic, 3);
    assert.deepEqual(
      records.filter((r) => r.key === 'c1').map((r) => (JSON.parse(r.value) as { id: string }).id),
      ['o1', 'o3'],
    );
  });
});
