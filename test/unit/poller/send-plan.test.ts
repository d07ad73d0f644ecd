import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchSender,
  fitsBatch,
  MAX_BATCH_BYTES,
  type OutgoingMessage,
  planResend,
  type SendProblem,
  SupersededError,
} from '../../../lib/poller/index.ts';

function message(offset: number, groupId: string, bytes = 100): OutgoingMessage {
  return {
    id: String(offset),
    groupId,
    deduplicationId: `r/t/0/${offset}`,
    body: 'x'.repeat(10),
    bytes,
    offset: BigInt(offset),
    from: BigInt(offset),
  };
}

describe('fitsBatch', () => {
  test('at most 10 entries and 1 MiB together', () => {
    const ten = Array.from({ length: 10 }, (_, i) => message(i, 'g'));
    assert.equal(fitsBatch(ten.slice(0, 9), 900, message(9, 'g')), true);
    assert.equal(fitsBatch(ten, 1_000, message(10, 'g')), false);
    assert.equal(fitsBatch([message(0, 'g', 600_000)], 600_000, message(1, 'g', 500_000)), false);
    assert.equal(fitsBatch([], 0, message(0, 'g', MAX_BATCH_BYTES)), true);
  });
});

describe('planResend', () => {
  test('resends failed entries and every later entry of their groups, in order', () => {
    // Prepare: a failed at 1, b failed at 3; c untouched
    const sent = [
      message(1, 'a'),
      message(2, 'b'),
      message(3, 'b'),
      message(4, 'a'),
      message(5, 'c'),
      message(6, 'b'),
    ];

    // Act
    const plan = planResend(sent, new Set(['1', '3']));

    // Assess
    assert.deepEqual(
      plan.resend.map((m) => m.offset),
      [1n, 3n, 4n, 6n],
    );
    assert.deepEqual(
      plan.overtook.map((m) => m.offset),
      [4n, 6n],
    );
  });
});

/** A fake SQS answering SendMessageBatch from a script; it records what was sent. */
function fakeSqs(answers: ((ids: string[]) => unknown)[]): { client: SQSClient; calls: string[][] } {
  const calls: string[][] = [];
  const client = {
    send: async (command: { input: { Entries?: { Id?: string }[] } }) => {
      const ids = (command.input.Entries ?? []).map((entry) => entry.Id ?? '');
      calls.push(ids);
      const answer = answers.shift();
      if (answer === undefined) return { Successful: ids.map((Id) => ({ Id })), Failed: [] };
      return answer(ids);
    },
  };
  return { client: client as unknown as SQSClient, calls };
}

const fast = { baseMs: 0, maxMs: 0, jitter: 'none' } as const;
const keepAlive = async (): Promise<void> => undefined;
const control = { isCurrent: () => true, keepAlive };

describe('BatchSender', () => {
  test('retries a partly failed batch with the failed entries and their groups after them', async () => {
    // Prepare
    const problems: SendProblem[] = [];
    const sqs = fakeSqs([
      (ids) => ({
        Successful: ids.filter((id) => id !== '2').map((Id) => ({ Id })),
        Failed: [{ Id: '2', Code: 'InternalError', SenderFault: false }],
      }),
    ]);
    const sender = new BatchSender({
      sqs: sqs.client,
      queueUrl: 'q',
      transientBackoff: fast,
      permanentBackoff: fast,
      onProblem: (p) => problems.push(p),
    });

    // Act
    await sender.send([message(1, 'a'), message(2, 'b'), message(3, 'a'), message(4, 'b')], control);

    // Assess
    assert.deepEqual(sqs.calls, [
      ['1', '2', '3', '4'],
      ['2', '4'],
    ]);
    assert.deepEqual(
      problems.map((p) => p.kind),
      ['overtaken', 'failed'],
    );
  });

  test('backs off and retries a throttled call until it goes through', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $retryable: { throttling: true },
    });
    const sqs = fakeSqs([
      () => {
        throw throttled;
      },
      () => {
        throw throttled;
      },
    ]);
    const problems: SendProblem[] = [];
    const sender = new BatchSender({
      sqs: sqs.client,
      queueUrl: 'q',
      transientBackoff: fast,
      onProblem: (p) => problems.push(p),
    });

    // Act
    await sender.send([message(1, 'a')], control);

    // Assess
    assert.equal(sqs.calls.length, 3);
    assert.deepEqual(
      problems.map((p) => p.kind),
      ['throttled', 'throttled'],
    );
  });

  test('gives up only when the work is abandoned, never by skipping a record', async () => {
    // Prepare: the queue is gone; the caller stops wanting the work after two attempts
    const missing = Object.assign(new Error('The specified queue does not exist'), {
      name: 'QueueDoesNotExist',
    });
    const sqs = fakeSqs(Array.from({ length: 100 }, () => () => Promise.reject(missing)));
    let attempts = 0;
    const sender = new BatchSender({
      sqs: sqs.client,
      queueUrl: 'q',
      permanentBackoff: { baseMs: 1, maxMs: 1, jitter: 'none' },
      onProblem: () => attempts++,
    });

    // Act + Assess
    await assert.rejects(
      sender.send([message(1, 'a')], { isCurrent: () => attempts < 2, keepAlive }),
      SupersededError,
    );
    assert.equal(sqs.calls.length, 2);
  });
});
