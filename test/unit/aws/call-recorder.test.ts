// The call recorder (lib/aws/call-recorder.ts): who a call is recorded as, where it goes, and
// that recording is off without BRIDGE_RECORD_CALLS. No call leaves the process: a last
// middleware stops each one before it is sent.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  asComponent,
  type ObservedCall,
  observeCalls,
  type RecordedCall,
  recordCalls,
  sinkFromEnv,
} from '../../../lib/aws/call-recorder.ts';

function offlineClient(): SQSClient {
  const client = new SQSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  client.middlewareStack.add(
    () => async () => {
      throw new Error('not sent');
    },
    { step: 'finalizeRequest', name: 'stopBeforeSending', priority: 'low' },
  );
  return client;
}

const call = (client: SQSClient) =>
  client.send(new GetQueueUrlCommand({ QueueName: 'orders.fifo' })).catch(() => undefined);

describe('call recorder', () => {
  test("a call is its client's component's, or the one running it; none without either", async () => {
    const seen: RecordedCall[] = [];
    const own = recordCalls(offlineClient(), { component: 'deliverer', route: 'orders' }, (c) =>
      seen.push(c),
    );
    const shared = recordCalls(offlineClient(), undefined, (c) => seen.push(c));
    await call(own);
    await call(shared);
    await asComponent({ component: 'poller' }, () => call(shared));
    await asComponent({ component: 'commit' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await call(shared);
    });
    assert.deepEqual(
      seen.map((c) => [c.component, c.route, c.action, c.queue]),
      [
        ['deliverer', 'orders', 'GetQueueUrl', 'orders.fifo'],
        ['poller', undefined, 'GetQueueUrl', 'orders.fifo'],
        ['commit', undefined, 'GetQueueUrl', 'orders.fifo'],
      ],
    );
  });

  test('a client recorded twice records each call once', async () => {
    const seen: RecordedCall[] = [];
    const client = recordCalls(offlineClient(), { component: 'cli' }, (c) => seen.push(c));
    recordCalls(client, { component: 'cli' }, (c) => seen.push(c));
    await call(client);
    assert.equal(seen.length, 1);
  });

  test('BRIDGE_RECORD_CALLS: off when unset, a file, or a file per process in a directory', async () => {
    assert.equal(sinkFromEnv({}), undefined);
    const dir = mkdtempSync(join(tmpdir(), 'recorder-'));
    const file = join(dir, 'calls.jsonl');
    await call(
      recordCalls(offlineClient(), { component: 'notifier' }, sinkFromEnv({ BRIDGE_RECORD_CALLS: file })),
    );
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).component, 'notifier');
    const perProcess = mkdtempSync(join(tmpdir(), 'recorder-dir-'));
    await call(
      recordCalls(offlineClient(), { component: 'dlq' }, sinkFromEnv({ BRIDGE_RECORD_CALLS: perProcess })),
    );
    assert.deepEqual(readdirSync(perProcess), [`calls-${process.pid}.jsonl`]);
  });

  test('observeCalls reports each call that succeeded, with its input and when it was issued; never a failed one', async () => {
    const seen: ObservedCall[] = [];
    const answered = new SQSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    answered.middlewareStack.add(
      () => async () => ({ output: { QueueUrl: 'http://q', $metadata: {} }, response: {} }),
      {
        step: 'finalizeRequest',
        name: 'answerWithoutSending',
        priority: 'low',
      },
    );
    const before = Date.now();
    await observeCalls(answered, (c) => seen.push(c)).send(
      new GetQueueUrlCommand({ QueueName: 'orders.fifo' }),
    );
    await call(observeCalls(offlineClient(), (c) => seen.push(c)));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.operation, 'GetQueueUrl');
    assert.deepEqual(seen[0]?.input, { QueueName: 'orders.fifo' });
    assert.ok((seen[0]?.startedAt ?? 0) >= before && (seen[0]?.endedAt ?? 0) >= (seen[0]?.startedAt ?? 0));
  });
});
