import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SendMessageBatchCommand, SendMessageBatchCommandOutput, SQSClient } from '@aws-sdk/client-sqs';
import { SQS_MAX_MESSAGE_BYTES } from '../../../lib/envelope/index.ts';
import { BatchSender, type SendControl } from '../../../lib/poller/batch-sender.ts';
import { MessageTooLargeError } from '../../../lib/poller/errors.ts';
import type { OutgoingMessage } from '../../../lib/poller/send-plan.ts';

function message(offset: number, bytes: number): OutgoingMessage {
  return {
    id: String(offset),
    groupId: 'k',
    deduplicationId: `orders/t/0/${offset}`,
    body: 'x',
    bytes,
    offset: BigInt(offset),
    from: BigInt(offset),
    record: `orders/t/0/${offset}`,
  };
}

/** An SQS client that answers every SendMessageBatch with `answer` and counts the calls. */
function fakeSqs(answer: (command: SendMessageBatchCommand) => SendMessageBatchCommandOutput) {
  const calls: SendMessageBatchCommand[] = [];
  const sqs = {
    send: async (command: SendMessageBatchCommand) => {
      calls.push(command);
      return answer(command);
    },
  } as unknown as SQSClient;
  return { sqs, calls };
}

// Nothing to keep alive: no Kafka consumer behind these sends.
const control: SendControl = { isCurrent: () => true, keepAlive: () => Promise.resolve() };
const fast = { baseMs: 1, maxMs: 1, jitter: 'none' } as const;

describe('BatchSender and messages that can never fit', () => {
  test('a message over the limit fails at once, naming the record and its size, unsent', async () => {
    const { sqs, calls } = fakeSqs(() => ({ Successful: [], Failed: [], $metadata: {} }));
    const sender = new BatchSender({ sqs, queueUrl: 'q' });
    await assert.rejects(
      sender.send([message(1, 100), message(2, SQS_MAX_MESSAGE_BYTES + 1)], control),
      (error: unknown) =>
        error instanceof MessageTooLargeError &&
        error.retryable === false &&
        error.message.includes(`orders/t/0/2 (${SQS_MAX_MESSAGE_BYTES + 1} bytes)`),
    );
    assert.equal(calls.length, 0);
  });

  test('an entry SQS rejects as too long is not retried', async () => {
    const { sqs, calls } = fakeSqs(() => ({
      Successful: [{ Id: '1', MessageId: 'm', MD5OfMessageBody: '' }],
      Failed: [{ Id: '2', Code: 'MessageTooLong', SenderFault: true, Message: 'too long' }],
      $metadata: {},
    }));
    const sender = new BatchSender({ sqs, queueUrl: 'q', permanentBackoff: fast, transientBackoff: fast });
    await assert.rejects(
      sender.send([message(1, 100), message(2, 200)], control),
      (error: unknown) =>
        error instanceof MessageTooLargeError &&
        /orders\/t\/0\/2 \(200 bytes\).*MessageTooLong/.test(error.message),
    );
    assert.equal(calls.length, 1);
  });

  test('other rejected entries are still retried until they pass', async () => {
    let call = 0;
    const { sqs, calls } = fakeSqs(() =>
      call++ === 0
        ? { Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }], $metadata: {} }
        : { Successful: [{ Id: '1', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [], $metadata: {} },
    );
    const sender = new BatchSender({ sqs, queueUrl: 'q', permanentBackoff: fast, transientBackoff: fast });
    await sender.send([message(1, 100)], control);
    assert.equal(calls.length, 2);
  });
});
