import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEAD_LETTER_MARKER, DeadLetters } from '../../../lib/deliver/dead-letter.ts';
import { encodeEnvelope, recordId } from '../../../lib/envelope/index.ts';
import { envelopeAt, Fakes, routeWith, sqsRecord } from './fakes.ts';

function procedure(fakes: Fakes, route = routeWith(), deadLetterQueueUrl: string | undefined = 'dlq-url') {
  return new DeadLetters({
    route,
    sqs: fakes.sqs,
    archive: fakes.archive,
    quarantine: fakes.quarantine,
    events: fakes.events$,
    ...(deadLetterQueueUrl === undefined ? {} : { deadLetterQueueUrl }),
    metrics: fakes.metrics,
    logger: fakes.logger,
    now: () => 1_000,
  });
}

/** Record 1 of key k1, dead-lettered at its first receive with no attempt made. */
function firstFailure(fakes: Fakes): Parameters<DeadLetters['record']>[0] {
  const envelope = envelopeAt(1);
  return {
    record: sqsRecord(encodeEnvelope(envelope)),
    envelope,
    id: recordId(envelope),
    groupId: 'k1',
    receiveCount: 1,
    reason: 'r',
    attempts: [],
    attemptCount: 0,
    ledger: fakes.ledger,
  };
}

describe('DeadLetters.record', () => {
  test('archive, DLQ, quarantine mark, event, then the completion last', async () => {
    const fakes = new Fakes();
    const envelope = envelopeAt(7, 5);
    const record = sqsRecord(encodeEnvelope(envelope));
    const entry = await procedure(fakes).record({
      record,
      envelope,
      id: recordId(envelope),
      groupId: 'k1',
      receiveCount: 2,
      reason: 'HTTP 400',
      payload: Buffer.from('v'),
      attempts: [],
      attemptCount: 3,
      ledger: fakes.ledger,
    });
    assert.deepEqual(fakes.steps, ['archive', 'sqs', 'quarantine', 'event', 'completion']);
    assert.equal(fakes.archived[0]?.key, 'archive/orders/orders/0/0000000000000000007.json');
    assert.equal(fakes.archived[0]?.record.outcome, 'dead-lettered');
    assert.equal(fakes.archived[0]?.record.payloadBase64, Buffer.from('v').toString('base64'));
    const sent = fakes.sent[0]?.input as {
      MessageGroupId: string;
      MessageAttributes: Record<string, unknown>;
    };
    assert.equal(sent.MessageGroupId, 'k1');
    assert.ok(sent.MessageAttributes[DEAD_LETTER_MARKER]);
    assert.deepEqual(entry, { groupId: 'k1', behind: 'orders/orders/0/7', since: 1_000 });
    const completion = fakes.completions[0];
    assert.equal(completion?.status, 'dead-lettered');
    assert.equal(completion?.from, 5n);
    assert.equal(completion?.offset, 7n);
    assert.equal(completion?.attempts, 3);
    assert.equal(fakes.counts.get('mps.writer.dlq.count'), 1);
  });

  test('no quarantine mark when the route does not quarantine', async () => {
    const fakes = new Fakes();
    const entry = await procedure(fakes, routeWith({ onPoison: 'dlq' })).record(firstFailure(fakes));
    assert.equal(entry, undefined);
    assert.deepEqual(fakes.steps, ['archive', 'sqs', 'event', 'completion']);
  });

  test('a failed step leaves the completion unwritten (the message comes back and repeats)', async () => {
    const fakes = new Fakes();
    fakes.sqs.send = async () => {
      throw new Error('SQS down');
    };
    await assert.rejects(
      procedure(fakes).record(firstFailure(fakes)),
      /cannot send orders\/orders\/0\/1 to the dead-letter queue: SQS down/,
    );
    assert.deepEqual(fakes.completions, []);
  });
});

describe('DeadLetters.malformed', () => {
  test('archived under malformed/, sent to the DLQ, completed when its coordinates still read', async () => {
    const fakes = new Fakes();
    const body = JSON.stringify({
      route: 'orders',
      topic: 'orders',
      partition: 0,
      offset: '9',
      from: '8',
      v: 99,
    });
    const record = sqsRecord(body);
    await procedure(fakes).malformed({
      record,
      reason: 'bad',
      receiveCount: 1,
      coordinates: { topic: 'orders', partition: 0, offset: '9', from: '8' },
      ledger: fakes.ledger,
    });
    assert.equal(fakes.archived[0]?.key, `archive/orders/malformed/${record.messageId}.json`);
    assert.equal(fakes.sent.length, 1);
    assert.equal(fakes.completions[0]?.from, 8n);
    assert.deepEqual(fakes.marked, []);
  });
});

describe('RedriveConsumer uses the same procedure', () => {
  test('a redriven record is dead-lettered like the deliverer does it, forwarded to the DLQ', async () => {
    const fakes = new Fakes();
    const envelope = envelopeAt(4, 3);
    const consumer = fakes.redriveConsumer({ deadLetterEvents: fakes.events$ as never, now: () => 1_000 });
    assert.equal(await consumer.process(sqsRecord(encodeEnvelope(envelope), 'k1', 5)), 'dead-lettered');
    assert.deepEqual(fakes.steps, ['archive', 'sqs', 'quarantine', 'event', 'completion']);
    assert.match(fakes.archived[0]?.record.reason ?? '', /redriven by SQS/);
    assert.equal(fakes.archived[0]?.record.receiveCount, 5);
  });

  test('a redriven record that is already completed is left alone', async () => {
    const fakes = new Fakes();
    const consumer = fakes.redriveConsumer({
      completions: { get: async () => ({ status: 'delivered', offset: 4n }) } as never,
    });
    assert.equal(await consumer.process(sqsRecord(encodeEnvelope(envelopeAt(4)))), 'already-done');
    assert.deepEqual(fakes.steps, []);
  });
});
