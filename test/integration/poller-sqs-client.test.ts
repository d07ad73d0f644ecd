// The poller's SQS client (lib/poller/sqs-client.ts) against ElasticMQ: what its own
// SendMessageBatch serializer sends arrives byte for byte, odd characters and large bodies too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createPollerSqsClient } from '../../lib/poller/index.ts';
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
let queueUrl: string;

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ');
  sqs = createPollerSqsClient(emulatorClientConfig(sqsEndpoint()));
  queueUrl = (await createFifoQueue(sqs, awsUniqueName('poller-sqs-client'))).url;
});

after(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  sqs.destroy();
});

describe('poller SQS client against ElasticMQ', () => {
  test('SendMessageBatch bodies arrive unchanged', async () => {
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: BODIES.map((body, i) => ({
          Id: String(i),
          MessageBody: body,
          MessageGroupId: `g-${i}`,
          MessageDeduplicationId: `d-${i}`,
        })),
      }),
    );
    assert.deepEqual(sent.Failed ?? [], []);
    const received = new Map<string, string>();
    for (let attempt = 0; attempt < 10 && received.size < BODIES.length; attempt++) {
      const answer = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['MessageGroupId'],
        }),
      );
      for (const message of answer.Messages ?? []) {
        received.set(message.Attributes?.MessageGroupId ?? '?', message.Body ?? '');
      }
    }
    assert.deepEqual(
      BODIES.map((_, i) => received.get(`g-${i}`)),
      BODIES,
    );
  });
});
