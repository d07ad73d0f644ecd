// Fault (e): poison records (the endpoint refuses them with 422: dead-lettered at once, their
// keys quarantined, the keys' later records parked) and a claim-check pointer to an S3 object
// that does not exist (dead-lettered with the reason, not retried forever). Nothing is lost:
// every record is delivered or archived, and the partition's commit goes on past them (I1, I2).
// Fault (f): keys over 128 characters and with every punctuation character, and binary values.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { deduplicationId, type Envelope, encodeEnvelope, messageGroupId } from '../../lib/envelope/index.ts';
import { readArchive } from '../../lib/invariants/checker.ts';
import { assertInvariants, DEAD_LETTERED, DELIVERY_FAILURES } from '../support/invariant-asserts.ts';
import { ReliabilityRun, reliabilityClients, reportLine } from './harness.ts';

const clients = reliabilityClients();

test('poison records and a pointer to a missing S3 object: dead-lettered or parked, nothing lost', {
  timeout: 90_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 1, route: { maxInFlight: 50 } });
  try {
    // 100 records over 10 keys on one partition, then one record of key "ptr" at offset 100.
    await run.produce(100, 10);
    await run.produceMessages([{ key: 'ptr', value: 'replaced by a claim check' }]);
    // As the poller would send offset 100 had its value gone to S3, with an object that is not
    // there. Sent before the poller runs, so the poller's copy (same deduplication id) is dropped.
    const envelope: Envelope = {
      route: run.route.name,
      topic: run.topic,
      partition: 0,
      offset: '100',
      from: '100',
      timestamp: String(Date.now()),
      key: Buffer.from('ptr'),
      headers: [],
      value: {
        s3: {
          bucket: run.provisioned.bucket,
          key: 'payloads/missing-object',
          size: 10,
          sha256: createHash('sha256').update('gone').digest('base64'),
        },
      },
    };
    await clients().sqs.send(
      new SendMessageCommand({
        QueueUrl: run.resources.queue.url,
        MessageBody: encodeEnvelope(envelope),
        MessageGroupId: messageGroupId({
          key: envelope.key,
          partition: 0,
          offset: '100',
          ordering: run.route.ordering,
        }),
        MessageDeduplicationId: deduplicationId(envelope),
      }),
    );
    // Poison: offsets 13 (key-3) and 47 (key-7) are refused; key-3's and key-7's later records park.
    const poison = new Set(['13', '47']);
    run.script = (request) =>
      poison.has(request.offset) ? { status: 422, body: 'unprocessable' } : { status: 200, body: 'ok' };
    run.startConsumers();
    await run.startPoller();
    await run.waitCommitted(60_000);
    await run.stopPoller();
    const report = await run.check();
    console.log(reportLine('poison records + missing S3 object', report));
    assert.equal(report.produced, 101);
    assertInvariants(report, run.problems, {
      allowProblems: [DELIVERY_FAILURES, DEAD_LETTERED],
    });
    // key-3: offsets 13..93 step 10 (9 records) and key-7: 47..97 (6 records), plus the pointer.
    assert.equal(report.deadLettered, 9 + 6 + 1);
    assert.equal(report.parked, 8 + 5);
    assert.equal(report.delivered, 101 - 16);
    const archived = await readArchive(clients().s3, run.provisioned.bucket, run.route.name);
    const pointer = archived.find((a) => a.recordId.endsWith('/0/100'));
    assert.ok(pointer, 'the missing-object record is archived');
    assert.equal(pointer.outcome, 'dead-lettered');
    assert.match(pointer.reason, /missing-object|NoSuchKey|not found|does not exist/i);
    assert.deepEqual(report.duplicateDetails, []);
  } finally {
    await run.stop();
  }
});

test('keys over 128 characters, with every punctuation character, and binary values', {
  timeout: 90_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 2, route: { maxInFlight: 50 } });
  try {
    const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
    const keys = [
      punctuation,
      `long-${'x'.repeat(200)}`,
      `long-${'x'.repeat(199)}y`, // differs only past character 128: still its own key for the checker
      'ünïcödé-ключ-🔑',
      ' spaces and\ttabs ',
      'a'.repeat(128),
    ];
    const messages = [];
    // Binary: every byte value, including invalid UTF-8 sequences; byte 3 is the record's number.
    const binaryValue = (i: number) =>
      Buffer.from([
        0xff,
        0xfe,
        0x00,
        i,
        0xc3,
        0x28,
        ...Array.from({ length: 64 }, (_, b) => (b * 7 + i) % 256),
      ]);
    for (let i = 0; i < 90; i += 1)
      messages.push({ key: keys[i % keys.length] ?? '', value: binaryValue(i) });
    await run.produceMessages(messages);
    run.startConsumers();
    await run.startPoller();
    await run.waitCommitted(60_000);
    await run.stopPoller();
    const report = await run.check();
    console.log(reportLine('hostile keys + binary values', report));
    assert.equal(report.produced, 90);
    // Every value the endpoint accepted is the produced one, by SHA-256 (valueMismatches).
    assertInvariants(report, run.problems);
    assert.equal(report.delivered, 90);
    assert.equal(report.deadLettered, 0);
    // The endpoint got every value's bytes intact (the envelope carries them in base64).
    const byOffset = new Map(run.endpoint.received.map((r) => [r.recordId, r]));
    assert.equal(byOffset.size, 90);
    for (const request of run.endpoint.received) {
      const body = JSON.parse(request.body.toString('utf8')) as { value?: { inline?: string } };
      const bytes = Buffer.from(body.value?.inline ?? '', 'base64');
      assert.deepEqual(bytes, binaryValue(bytes[3] ?? -1), request.recordId);
    }
    const seenKeys = new Set(run.endpoint.received.map((r) => r.key));
    assert.deepEqual([...seenKeys].sort(), [...keys].sort());
  } finally {
    await run.stop();
  }
});
