// The Kafka failure destination (deadLetter.kafkaTopic) with plain fakes: the message written,
// the redrive consumer's order (topic before DLQ and completion), and a failed write keeping
// the message where it is.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { DEAD_LETTER_ATTRIBUTES, DEAD_LETTER_MARKER } from '../../../lib/deliver/dead-letter.ts';
import {
  DEAD_LETTER_HEADERS,
  DeadLetterTopic,
  deadLetterMessage,
  deliverersDeadLetterQueue,
  type TopicSender,
} from '../../../lib/deliver/dead-letter-topic.ts';
import { encodeEnvelope } from '../../../lib/envelope/index.ts';
import { BridgeError } from '../../../lib/errors.ts';
import { envelopeAt, Fakes, routeWith, sqsRecord } from './fakes.ts';

const facts = { route: 'orders', reason: 'HTTP 422', attempts: 3 };
const noS3 = {} as S3Client;

/** A sender that records each write (as a step of `fakes`), or fails with `failing`. */
function sender(fakes: Fakes, failing?: Error) {
  const written: { topic: string; key: unknown; value: unknown; headers: Record<string, unknown> }[] = [];
  const send: TopicSender['send'] = async (topic, key, value, headers) => {
    fakes.steps.push('topic');
    if (failing !== undefined) throw failing;
    written.push({ topic, key, value, headers: { ...headers } });
  };
  return { send, written };
}

function consumer(fakes: Fakes, topic: DeadLetterTopic) {
  return fakes.redriveConsumer({
    route: routeWith({ deadLetter: { kafkaTopic: 'orders-failed' } }),
    deadLetterTopic: topic,
    metrics: fakes.metrics,
    logger: fakes.logger,
    now: () => 1_000,
  });
}

/** A dead letter the deliverer sent (marker, reason, attempts), as the redrive queue hands it. */
function deliverersDeadLetter() {
  const record = sqsRecord(encodeEnvelope(envelopeAt(9, 8)));
  record.messageAttributes = {
    [DEAD_LETTER_MARKER]: { stringValue: 's3://b/archive/x.json', dataType: 'String' } as never,
    [DEAD_LETTER_ATTRIBUTES.reason]: { stringValue: 'HTTP 422', dataType: 'String' } as never,
    [DEAD_LETTER_ATTRIBUTES.attempts]: { stringValue: '4', dataType: 'Number' } as never,
  };
  return record;
}

describe('deadLetterMessage', () => {
  test("the record's key, value and headers (repeats kept), plus the bridge's, which win", () => {
    const envelope = {
      ...envelopeAt(7, 5),
      headers: [
        ['trace', Buffer.from('a')],
        ['trace', Buffer.from('b')],
        ['empty', null],
        [DEAD_LETTER_HEADERS.route, Buffer.from('forged')],
      ] as [string, Buffer | null][],
    };
    const message = deadLetterMessage(envelope, Buffer.from('v'), facts);
    assert.deepEqual(message.key, Buffer.from('k1'));
    assert.deepEqual(message.value, Buffer.from('v'));
    assert.deepEqual(message.headers.trace, [Buffer.from('a'), Buffer.from('b')]);
    assert.deepEqual(message.headers.empty, Buffer.alloc(0));
    assert.equal(message.headers[DEAD_LETTER_HEADERS.route], 'orders');
    assert.equal(message.headers[DEAD_LETTER_HEADERS.reason], 'HTTP 422');
    assert.equal(message.headers[DEAD_LETTER_HEADERS.attempts], '3');
    assert.equal(message.headers[DEAD_LETTER_HEADERS.topic], 'orders');
    assert.equal(message.headers[DEAD_LETTER_HEADERS.partition], '0');
    assert.equal(message.headers[DEAD_LETTER_HEADERS.offset], '7');
    assert.equal(message.headers[DEAD_LETTER_HEADERS.valueUnavailable], undefined);
  });
});

describe('DeadLetterTopic', () => {
  test('a failed write is a retryable error naming the route, the record and the topic', async () => {
    const fakes = new Fakes();
    const topic = new DeadLetterTopic('orders-failed', sender(fakes, new Error('broker down')), noS3);
    await assert.rejects(topic.write(envelopeAt(3), facts), (error: unknown) => {
      assert.ok(error instanceof BridgeError && error.retryable);
      assert.match(error.message, /route orders: .*orders\/0\/3 to Kafka topic orders-failed: broker down/);
      return true;
    });
  });

  test('the deliverer sends its dead letters to the redrive queue only when the route has a failure topic', () => {
    const queues = { deadLetter: 'dlq', redrive: 'redrive' };
    assert.equal(deliverersDeadLetterQueue(routeWith(), queues), 'dlq');
    const withTopic = routeWith({ deadLetter: { kafkaTopic: 'orders-failed' } });
    assert.equal(deliverersDeadLetterQueue(withTopic, queues), 'redrive');
  });
});

describe('RedriveConsumer with a failure topic', () => {
  test('a redriven record: written to the topic first, then archive, DLQ, quarantine, completion', async () => {
    const fakes = new Fakes();
    const written = sender(fakes);
    const topic = new DeadLetterTopic('orders-failed', written, noS3);
    const record = sqsRecord(encodeEnvelope(envelopeAt(4, 3)), 'k1', 5);
    assert.equal(await consumer(fakes, topic).process(record), 'dead-lettered');
    assert.deepEqual(fakes.steps, ['topic', 'archive', 'sqs', 'quarantine', 'completion']);
    assert.equal(written.written[0]?.topic, 'orders-failed');
    assert.match(String(written.written[0]?.headers[DEAD_LETTER_HEADERS.reason]), /redriven by SQS/);
  });

  test("the deliverer's own dead letter: written with its reason and attempts, then sent on to the DLQ as it came", async () => {
    const fakes = new Fakes();
    const written = sender(fakes);
    const record = deliverersDeadLetter();
    const outcome = await consumer(fakes, new DeadLetterTopic('orders-failed', written, noS3)).process(
      record,
    );
    assert.equal(outcome, 'forwarded');
    assert.equal(fakes.counts.get('mps.dlq.topic.written.count'), 1);
    assert.deepEqual(fakes.steps, ['topic', 'sqs']);
    const headers = written.written[0]?.headers ?? {};
    assert.equal(headers[DEAD_LETTER_HEADERS.reason], 'HTTP 422');
    assert.equal(headers[DEAD_LETTER_HEADERS.attempts], '4');
    assert.equal(headers[DEAD_LETTER_HEADERS.offset], '9');
    const sent = fakes.sent[0]?.input as Record<string, unknown>;
    assert.equal(sent.QueueUrl, 'dlq-url');
    assert.equal(sent.MessageBody, record.body);
    assert.equal(sent.MessageDeduplicationId, record.attributes.MessageDeduplicationId);
    const attributes = sent.MessageAttributes as Record<string, { StringValue: string }>;
    assert.equal(attributes[DEAD_LETTER_MARKER]?.StringValue, 's3://b/archive/x.json');
  });

  test('Kafka unreachable: the message is not forwarded, archived or completed; it throws and stays', async () => {
    for (const record of [deliverersDeadLetter(), sqsRecord(encodeEnvelope(envelopeAt(4, 3)), 'k1', 5)]) {
      const fakes = new Fakes();
      const topic = new DeadLetterTopic('orders-failed', sender(fakes, new Error('ECONNREFUSED')), noS3);
      await assert.rejects(consumer(fakes, topic).process(record), /Kafka topic orders-failed/);
      assert.deepEqual(fakes.steps, ['topic']);
      assert.equal(fakes.counts.get('mps.dlq.topic.failure.count'), 1);
    }
  });
});
