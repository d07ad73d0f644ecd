// The poller's lean SendMessageBatch (lib/poller/lean-sqs.ts) against ElasticMQ: bodies arrive
// byte for byte, a rejected entry comes back as a partial failure, a missing queue is named as
// the SDK names it, the send path feeds the same call recorder as the SDK's middleware, and the
// SDK client stays the fallback behind the same interface.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeleteQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type RecordedCall, recordCalls } from '../../lib/aws/call-recorder.ts';
import {
  BatchSender,
  createPollerSqsClient,
  type LeanSqsTransport,
  leanSqsTransport,
  type OutgoingMessage,
  pollerTransport,
  SqsRequestError,
} from '../../lib/poller/index.ts';
import {
  assertReachable,
  uniqueName as awsUniqueName,
  createFifoQueue,
  emulatorClientConfig,
  sqsEndpoint,
} from '../support/aws.ts';

// SQS accepts #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.
const BODIES = [
  '{"v":1,"route":"orders","key":"a2V5","value":{"inline":"eyJpZCI6Nzd9"}}',
  'quotes " backslashes \\ \\" and \\\\u0041',
  'tab\tnewline\ncarriage return\r',
  'emoji 😀, accents éü, line separator \u2028, U+FFFD \ufffd',
  `large ${'QUJD'.repeat(60_000)}`,
];

let sqs: SQSClient;
let lean: LeanSqsTransport;
let queueUrl: string;
const calls: RecordedCall[] = [];

function messages(bodies: readonly string[], prefix: string): OutgoingMessage[] {
  return bodies.map((body, i) => ({
    id: String(i),
    groupId: `${prefix}-g-${i}`,
    deduplicationId: `${prefix}-d-${i}`,
    body,
    bytes: Buffer.byteLength(body),
    offset: BigInt(i),
    from: BigInt(i),
  }));
}

async function receiveAll(count: number): Promise<Map<string, string>> {
  const received = new Map<string, string>();
  for (let attempt = 0; attempt < 20 && received.size < count; attempt++) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 300,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    for (const m of answer.Messages ?? []) received.set(m.Attributes?.MessageGroupId ?? '', m.Body ?? '');
  }
  return received;
}

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ');
  sqs = recordCalls(
    createPollerSqsClient(emulatorClientConfig(sqsEndpoint())),
    { component: 'poller' },
    (call) => calls.push(call),
  );
  queueUrl = (await createFifoQueue(sqs, awsUniqueName('lean-sqs'))).url;
  const transport = await leanSqsTransport(sqs);
  assert.ok(transport !== undefined, 'the emulator client (custom endpoint) has a lean path');
  lean = transport;
});

after(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  await lean.close();
  sqs.destroy();
});

describe('lean SendMessageBatch against ElasticMQ', () => {
  test('bodies arrive unchanged, and the call is recorded as the SDK middleware records it', async () => {
    calls.length = 0;
    const failed = await lean.sendBatch(queueUrl, messages(BODIES, 'lean'));
    const viaLean = calls.splice(0);
    const received = await receiveAll(BODIES.length);
    assert.deepEqual(failed, []);
    assert.deepEqual(
      BODIES.map((_, i) => received.get(`lean-g-${i}`)),
      BODIES,
    );
    calls.length = 0;
    await pollerTransport(sqs, 'sdk').sendBatch(queueUrl, messages(['recorded'], 'recorded'));
    assert.equal(viaLean.length, 1);
    assert.deepEqual(viaLean, calls, 'the same record as the SDK middleware writes for SendMessageBatch');
  });

  test('an entry SQS rejects comes back as a partial failure; the others are accepted', async () => {
    const failed = await lean.sendBatch(
      queueUrl,
      messages(['fine', 'a NUL \u0000 is not allowed', 'fine too'], 'partial'),
    );
    assert.deepEqual(
      failed.map((f) => [f.Id, f.SenderFault]),
      [['1', true]],
    );
  });

  test('a missing queue is an error named QueueDoesNotExist, not retryable', async () => {
    const missing = queueUrl.replace(/[^/]+$/, `${awsUniqueName('missing')}.fifo`);
    const error = await lean.sendBatch(missing, messages(['x'], 'missing')).catch((e: unknown) => e);
    assert.ok(error instanceof SqsRequestError, String(error));
    assert.equal(error.name, 'QueueDoesNotExist');
    assert.equal(error.$fault, 'client');
  });

  test('BatchSender sends through either path behind the one interface', async () => {
    for (const path of ['lean', 'sdk'] as const) {
      const sender = new BatchSender({ sqs, transport: pollerTransport(sqs, path), queueUrl });
      await sender.send(messages([`via ${path}`], `via-${path}`), {
        isCurrent: () => true,
        keepAlive: async () => undefined,
      });
    }
    const received = await receiveAll(2);
    assert.deepEqual([received.get('via-lean-g-0'), received.get('via-sdk-g-0')], ['via lean', 'via sdk']);
  });
});
