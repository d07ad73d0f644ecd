// kafkajs's idle request-queue timer (lib/kafka/idle-timer.ts) against the real broker: once a
// request has been answered, an idle client must not keep re-arming a timer with a negative
// delay (kafkajs 2.2.4 does, about a thousand times a second per connection, and Node warns
// TimeoutNegativeWarning), while requests sent afterwards are still answered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKafkaConfig } from '../../lib/config/parse.ts';
import { createKafkaClient } from '../../lib/kafka/client.ts';
import { idleTimerFixed } from '../../lib/kafka/idle-timer.ts';
import { assertKafkaReachable, kafkaBrokers } from '../support/kafka.ts';

test('an idle kafkajs client schedules no negative-delay timer, and still answers afterwards', async () => {
  await assertKafkaReachable();
  const warnings: string[] = [];
  process.on('warning', (warning) => warnings.push(warning.name));
  assert.ok(idleTimerFixed(), 'lib/kafka applies the fix when it is loaded');
  const kafka = await createKafkaClient(parseKafkaConfig({ brokers: kafkaBrokers() }));
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.listTopics();
    // Count the timers armed with a delay Node cannot honour while the client sits idle.
    const original = globalThis.setTimeout;
    let negative = 0;
    const counting = ((fn: () => void, ms?: number) => {
      if (typeof ms === 'number' && ms < 0) negative++;
      return original(fn, ms);
    }) as typeof setTimeout;
    globalThis.setTimeout = counting;
    try {
      await new Promise((resolve) => original(resolve, 300));
    } finally {
      globalThis.setTimeout = original;
    }
    assert.equal(negative, 0, 'no timer re-armed with a negative delay while idle');
    assert.ok((await admin.listTopics()).length >= 0, 'a request after the idle spell is answered');
  } finally {
    await admin.disconnect();
  }
  assert.ok(!warnings.includes('TimeoutNegativeWarning'), `warnings: ${warnings.join(', ')}`);
});
