// Conformance of the local SQS (ElasticMQ by default, see test/support/aws.ts) with the SQS FIFO
// semantics the bridge relies on. If one of these fails, local mode no longer tests what AWS
// does: the ordering, retry and dead-letter tests built on it would prove nothing.
// Run against another endpoint with BRIDGE_SQS_ENDPOINT=http://127.0.0.1:4566 (moto).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import {
  assertReachable,
  createFifoQueue,
  type FifoQueue,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';

const sqs = sqsClient();
const created: string[] = [];

/** SQS's maximum message size since August 2025: 1 MiB. */
const MAX_MESSAGE_BYTES = 1_048_576;

async function fifoQueue(
  prefix: string,
  attributes: Parameters<typeof createFifoQueue>[2] = {},
): Promise<FifoQueue> {
  // Long default visibility: a test that wants redelivery asks for it explicitly, so a slow
  // machine never turns "still in flight" into "visible again".
  const queue = await createFifoQueue(sqs, uniqueName(prefix), { VisibilityTimeout: '30', ...attributes });
  created.push(queue.url);
  return queue;
}

async function send(url: string, group: string, body: string, dedupId: string = body): Promise<string> {
  const out = await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: body,
      MessageGroupId: group,
      MessageDeduplicationId: dedupId,
    }),
  );
  assert.ok(out.MessageId, `SendMessage of ${body} returned no MessageId`);
  return out.MessageId;
}

async function receive(
  url: string,
  options: { max?: number; waitSeconds?: number; visibilitySeconds?: number } = {},
): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.waitSeconds ?? 0,
      ...(options.visibilitySeconds === undefined ? {} : { VisibilityTimeout: options.visibilitySeconds }),
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

async function remove(url: string, message: Message): Promise<void> {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle(message) }));
}

function handle(message: Message): string {
  assert.ok(message.ReceiptHandle, 'received message without ReceiptHandle');
  return message.ReceiptHandle;
}

function body(message: Message): string {
  assert.ok(message.Body !== undefined, 'received message without Body');
  return message.Body;
}

function groupOf(message: Message): string | undefined {
  return message.Attributes?.MessageGroupId;
}

function receiveCount(message: Message): number {
  const raw = message.Attributes?.ApproximateReceiveCount;
  assert.ok(raw !== undefined, `message ${message.Body?.slice(0, 20)} has no ApproximateReceiveCount`);
  return Number(raw);
}

/** Receives and deletes until `count` messages arrived (or the deadline), in receive order. */
async function drain(url: string, count: number, deadlineMs = 15_000): Promise<Message[]> {
  const got: Message[] = [];
  const deadline = Date.now() + deadlineMs;
  while (got.length < count && Date.now() < deadline) {
    const batch = await receive(url, { waitSeconds: 1 });
    for (const message of batch) {
      got.push(message);
      await remove(url, message);
    }
  }
  return got;
}

/** Polls (short waits) for `ms` and returns everything received, without deleting it. */
async function collectFor(url: string, ms: number): Promise<Message[]> {
  const got: Message[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    got.push(...(await receive(url, { waitSeconds: 1 })));
  }
  return got;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

describe(`SQS FIFO conformance at ${sqsEndpoint()}`, () => {
  before(async () => {
    await assertReachable(sqsEndpoint(), 'the local SQS (ElasticMQ)');
  });

  after(async () => {
    // Clean up so a long-lived emulator does not accumulate queues; failures here are real
    // errors (the queue should exist), so they are not swallowed.
    await Promise.all(created.map((url) => sqs.send(new DeleteQueueCommand({ QueueUrl: url }))));
    sqs.destroy();
  });

  test('accepts the high-throughput FIFO attributes the bridge creates its queues with', async () => {
    // The bridge's queues use high-throughput FIFO (per-group dedup scope and throughput), so
    // local mode must be able to create them with the same attributes as the CDK stack.
    const queue = await fifoQueue('conf-ht', {
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      ContentBasedDeduplication: 'false',
    });
    const got = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.url,
        AttributeNames: ['FifoQueue', 'ContentBasedDeduplication'],
      }),
    );
    assert.deepEqual(got.Attributes, { FifoQueue: 'true', ContentBasedDeduplication: 'false' });
    // Not asserted: whether the emulator echoes DeduplicationScope/FifoThroughputLimit
    // (ElasticMQ accepts and ignores them, see docs/testing.md). The bridge's deduplication ids
    // are unique per record and a record's group never changes, so queue-wide and per-group
    // deduplication drop exactly the same messages for it.
  });

  test('a group is locked while one of its messages is in flight; other groups are still returned', async () => {
    const queue = await fifoQueue('conf-lock');
    await send(queue.url, 'a', 'a1');
    await send(queue.url, 'a', 'a2');
    await send(queue.url, 'b', 'b1');
    await send(queue.url, 'b', 'b2');

    const [first, ...rest] = await receive(queue.url, { max: 1 });
    assert.ok(first, 'nothing received from a queue holding four messages');
    assert.equal(rest.length, 0);
    const lockedGroup = groupOf(first);
    assert.ok(lockedGroup === 'a' || lockedGroup === 'b', `unexpected group ${lockedGroup}`);
    assert.equal(body(first), `${lockedGroup}1`, 'the first message of a group comes first');
    const otherGroup = lockedGroup === 'a' ? 'b' : 'a';

    // While `first` is in flight, its group's second message must not be handed out, however
    // often we ask; the other group must be.
    const seen = await collectFor(queue.url, 2_500);
    assert.deepEqual(
      seen.map(body),
      [`${otherGroup}1`, `${otherGroup}2`],
      `only group ${otherGroup} may be returned while ${lockedGroup}1 is in flight`,
    );

    // Deleting the in-flight message unlocks its group; the other group is now in flight.
    await remove(queue.url, first);
    const next = await receive(queue.url, { waitSeconds: 2 });
    assert.deepEqual(next.map(body), [`${lockedGroup}2`]);
  });

  test('keeps send order within each group', async () => {
    const queue = await fifoQueue('conf-order');
    const groups = ['g1', 'g2', 'g3'];
    const perGroup = 12;
    for (let i = 0; i < perGroup; i += 1) {
      for (const group of groups) await send(queue.url, group, `${group}-${i}`);
    }
    const got = await drain(queue.url, groups.length * perGroup);
    assert.equal(got.length, groups.length * perGroup);
    for (const group of groups) {
      const order = got.filter((m) => groupOf(m) === group).map(body);
      assert.deepEqual(
        order,
        Array.from({ length: perGroup }, (_, i) => `${group}-${i}`),
        `order of group ${group}`,
      );
    }
  });

  test('drops a message whose deduplication id was sent before, while the first is still queued', async () => {
    const queue = await fifoQueue('conf-dedup');
    const firstId = await send(queue.url, 'g', 'first', 'dedup-1');
    // AWS accepts the duplicate (no error) and does not deliver it.
    await send(queue.url, 'g', 'second', 'dedup-1');
    const got = await drain(queue.url, 2, 3_000);
    assert.deepEqual(got.map(body), ['first']);
    assert.equal(got[0]?.MessageId, firstId);
  });

  test('drops a resent deduplication id also after the first message was deleted (5-minute window)', async () => {
    const queue = await fifoQueue('conf-dedup-del');
    await send(queue.url, 'g', 'original', 'dedup-2');
    const first = await drain(queue.url, 1);
    assert.deepEqual(first.map(body), ['original']);
    // The poller resends after a crash: the record was already delivered and deleted. SQS must
    // still drop it, or the endpoint would see it twice.
    await send(queue.url, 'g', 'resent', 'dedup-2');
    await send(queue.url, 'g', 'new', 'dedup-3');
    const later = await drain(queue.url, 2, 3_000);
    assert.deepEqual(later.map(body), ['new'], 'the resent message must be dropped');
  });

  test('ChangeMessageVisibility delays redelivery, and 0 makes the message visible at once', async () => {
    const queue = await fifoQueue('conf-vis');
    await send(queue.url, 'g', 'm1');
    await send(queue.url, 'g', 'm2');
    const [first] = await receive(queue.url, { max: 1 });
    assert.ok(first);
    assert.equal(body(first), 'm1');
    assert.equal(receiveCount(first), 1);

    // The deliverer's backoff: hand the message back with a 3-second visibility timeout.
    const backoffSeconds = 3;
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queue.url,
        ReceiptHandle: handle(first),
        VisibilityTimeout: backoffSeconds,
      }),
    );
    const changedAt = Date.now();
    // Until then neither m1 nor m2 (same group) may be returned.
    const early = await collectFor(queue.url, 1_500);
    assert.deepEqual(early.map(body), [], 'nothing of the group while m1 waits out its backoff');

    let again: Message | undefined;
    while (again === undefined && Date.now() - changedAt < 10_000) {
      [again] = await receive(queue.url, { max: 1, waitSeconds: 1 });
    }
    const waited = Date.now() - changedAt;
    assert.ok(again, 'm1 was not redelivered within 10 s of a 3 s visibility timeout');
    assert.equal(body(again), 'm1', 'the redelivered message is m1, not m2');
    assert.equal(receiveCount(again), 2);
    // Emulators count visibility in whole seconds; allow one second of rounding either way.
    assert.ok(waited >= (backoffSeconds - 1) * 1000, `redelivered after ${waited} ms, before the backoff`);
    assert.ok(waited <= (backoffSeconds + 2) * 1000, `redelivered only after ${waited} ms`);

    // Visibility 0: the message (and so its group) is available immediately.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queue.url,
        ReceiptHandle: handle(again),
        VisibilityTimeout: 0,
      }),
    );
    const [third] = await receive(queue.url, { max: 1 });
    assert.ok(third, 'visibility 0 did not make m1 visible at once');
    assert.equal(body(third), 'm1');
    assert.equal(receiveCount(third), 3, 'ApproximateReceiveCount counts every receive');
  });

  test('maxReceiveCount redrives to a FIFO DLQ, keeping group id and body; the group goes on', async () => {
    const dlq = await fifoQueue('conf-dlq');
    const maxReceiveCount = 2;
    const queue = await fifoQueue('conf-redrive', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
    });
    await send(queue.url, 'poison', 'p1');
    await send(queue.url, 'poison', 'p2');

    // p1 fails maxReceiveCount times: its visibility is reset to 0, as a crashed deliverer's
    // timeout would expire. (One at a time: a FIFO receive may return p2 in the same batch,
    // and failing p2 too would count its receives as well.)
    const counts: number[] = [];
    for (let i = 0; i < maxReceiveCount; i += 1) {
      const [p1] = await receive(queue.url, { max: 1, waitSeconds: 1 });
      assert.ok(p1, `receive ${i + 1}: nothing returned`);
      assert.equal(body(p1), 'p1', `receive ${i + 1}: p1 comes before p2`);
      counts.push(receiveCount(p1));
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.url,
          ReceiptHandle: handle(p1),
          VisibilityTimeout: 0,
        }),
      );
    }
    assert.deepEqual(counts, [1, 2], 'ApproximateReceiveCount increments on each receive');

    // The next receive moves p1 to the DLQ instead of returning it; p2 becomes available.
    const remaining = await drain(queue.url, 1, 5_000);
    assert.deepEqual(remaining.map(body), ['p2']);
    assert.equal(receiveCount(remaining[0] ?? {}), 1);

    const dead = await drain(dlq.url, 1, 5_000);
    assert.equal(dead.length, 1, 'p1 did not arrive in the DLQ');
    const [p1] = dead;
    assert.ok(p1);
    assert.equal(body(p1), 'p1');
    assert.equal(groupOf(p1), 'poison', 'the DLQ keeps the message group id');
  });

  test(`accepts a message of exactly ${MAX_MESSAGE_BYTES} bytes and rejects one byte more`, async (t) => {
    const queue = await fifoQueue('conf-size');
    const largest = 'x'.repeat(MAX_MESSAGE_BYTES);
    await send(queue.url, 'g', largest, 'largest');
    const [got] = await drain(queue.url, 1);
    assert.ok(got, 'the 1 MiB message was not received back');
    assert.equal(body(got).length, MAX_MESSAGE_BYTES);
    assert.equal(body(got), largest);

    await assert.rejects(
      send(queue.url, 'g', `${largest}x`, 'too-large'),
      (error: unknown) => {
        // A client error from the service, not a transport failure. AWS answers
        // InvalidParameterValue; emulators name it differently (docs/testing.md).
        assert.ok(error instanceof SQSServiceException, `not an SQS error: ${String(error)}`);
        assert.equal(error.$fault, 'client', `${error.name}: ${error.message}`);
        t.diagnostic(`1 MiB + 1 byte rejected with ${error.name}: ${error.message}`);
        return true;
      },
      'a message of 1 MiB + 1 byte must be rejected',
    );
  });

  test('SendMessageBatch accepts up to 1 MiB in total and rejects a larger batch', async (t) => {
    const queue = await fifoQueue('conf-batch-size');
    const batchOf = (entryBytes: number, prefix: string) =>
      Array.from({ length: 10 }, (_, i) => ({
        Id: `${prefix}${i}`,
        MessageBody: `${prefix}${i}:`.padEnd(entryBytes, 'z'),
        MessageGroupId: 'g',
        MessageDeduplicationId: `${prefix}${i}`,
      }));
    // 10 x 100 KiB = 1,024,000 bytes: above the old 256 KiB batch limit, within 1 MiB.
    const fits = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: batchOf(100 * 1024, 'a') }),
    );
    assert.equal(fits.Failed?.length ?? 0, 0, `entries failed: ${JSON.stringify(fits.Failed)}`);
    assert.equal(fits.Successful?.length, 10);
    // 10 x 110 KiB = 1,126,400 bytes: each entry is fine, the sum is not. The poller must split
    // its batches by size, not only by count.
    await assert.rejects(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: batchOf(110 * 1024, 'b') })),
      (error: unknown) => {
        // AWS answers BatchRequestTooLong; ElasticMQ answers InvalidAttributeValue (docs/testing.md).
        assert.ok(error instanceof SQSServiceException, `not an SQS error: ${String(error)}`);
        assert.equal(error.$fault, 'client', `${error.name}: ${error.message}`);
        t.diagnostic(`batch of 1,126,400 bytes rejected with ${error.name}: ${error.message}`);
        return true;
      },
    );
  });

  test('SendMessageBatch of 10 entries keeps order per group; 11 entries are rejected', async () => {
    const queue = await fifoQueue('conf-batch');
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Id: `e${i}`,
      MessageBody: `${i % 2 === 0 ? 'even' : 'odd'}-${i}`,
      MessageGroupId: i % 2 === 0 ? 'even' : 'odd',
      MessageDeduplicationId: `batch-${i}`,
    }));
    // A single-group batch too: the poller sends one group's records in one call.
    const single = Array.from({ length: 10 }, (_, i) => ({
      Id: `s${i}`,
      MessageBody: `solo-${i}`,
      MessageGroupId: 'solo',
      MessageDeduplicationId: `solo-${i}`,
    }));
    for (const batch of [entries, single]) {
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: batch }));
      assert.equal(out.Failed?.length ?? 0, 0, `batch entries failed: ${JSON.stringify(out.Failed)}`);
      assert.equal(out.Successful?.length, 10);
    }
    const got = await drain(queue.url, 20);
    assert.equal(got.length, 20);
    const ofGroup = (group: string) => got.filter((m) => groupOf(m) === group).map(body);
    assert.deepEqual(ofGroup('even'), ['even-0', 'even-2', 'even-4', 'even-6', 'even-8']);
    assert.deepEqual(ofGroup('odd'), ['odd-1', 'odd-3', 'odd-5', 'odd-7', 'odd-9']);
    assert.deepEqual(
      ofGroup('solo'),
      single.map((e) => e.MessageBody),
    );

    const eleven = [
      ...entries,
      { Id: 'e10', MessageBody: 'even-10', MessageGroupId: 'even', MessageDeduplicationId: 'batch-10' },
    ];
    await assert.rejects(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: eleven })),
      (error: unknown) => {
        assert.match(errorName(error), /TooManyEntriesInBatchRequest/);
        return true;
      },
    );
  });
});
