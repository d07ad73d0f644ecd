// The stand-ins for AWS's own metrics (test/support/metrics/vended.ts): what Lambda counts as an
// error, and the age of the oldest unfinished message, as the alarm test reads them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseEmfLine } from '../../support/metrics/datapoints.ts';
import { withVendedMetrics } from '../../support/metrics/vended.ts';

const record = (id: string, sentMsAgo: number): SQSRecord =>
  ({
    messageId: id,
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders.fifo',
    attributes: { SentTimestamp: String(Date.now() - sentMsAgo) },
  }) as unknown as SQSRecord;
const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const context = {} as Context;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function wrap(handler: Parameters<typeof withVendedMetrics>[0], timeoutMs = 1_000, timeScale = 1) {
  const lines: string[] = [];
  const wrapped = withVendedMetrics(handler, {
    functionName: 'Fn',
    timeoutMs,
    timeScale,
    write: (l) => lines.push(l),
  });
  const points = () => lines.flatMap(parseEmfLine);
  const errors = () =>
    points()
      .filter((p) => p.metric === 'Errors')
      .map((p) => p.value);
  return { ...wrapped, points, errors };
}

describe('vended metric stand-ins', () => {
  test('an invocation that returns is no error; one that throws is one, under FunctionName', async () => {
    const ok = wrap(async () => ({ batchItemFailures: [] }));
    await ok.handler(event(record('a', 0)), context);
    ok.stop();
    assert.deepEqual(ok.errors(), [0]);
    const failing = wrap(async () => {
      throw new Error('boom');
    });
    await assert.rejects(failing.handler(event(record('a', 0)), context), /boom/);
    failing.stop();
    assert.deepEqual(failing.errors(), [1]);
    const [point] = failing.points();
    assert.deepEqual(
      [point?.namespace, point?.dimensions, point?.origin],
      ['AWS/Lambda', { FunctionName: 'Fn' }, 'vended'],
    );
  });

  test('an invocation that outlives its timeout is one error, when the timeout passes', async () => {
    const slow = wrap(() => sleep(120).then(() => ({ batchItemFailures: [] })), 30);
    const running = slow.handler(event(record('a', 0)), context);
    await sleep(60);
    assert.deepEqual(slow.errors(), [1], 'counted at the timeout, before the handler ends');
    await running;
    slow.stop();
    assert.deepEqual(slow.errors(), [1]);
  });

  test('the oldest unfinished message’s age, once a (scaled) minute, in deployed seconds', async () => {
    const partial = wrap(async () => ({ batchItemFailures: [{ itemIdentifier: 'old' }] }), 1_000, 600);
    await partial.handler(event(record('old', 2_000), record('done', 5_000)), context);
    await sleep(250); // a scaled minute is 100 ms
    partial.stop();
    const ages = partial.points().filter((p) => p.metric === 'ApproximateAgeOfOldestMessage');
    assert.ok(ages.length >= 1);
    assert.deepEqual(ages[0]?.dimensions, { QueueName: 'orders.fifo' });
    // 'done' finished; 'old' was sent ~2 s ago: ~1,200 deployed seconds at scale 600.
    assert.ok((ages[0]?.value ?? 0) >= 1_200 && (ages[0]?.value ?? 0) < 1_600, String(ages[0]?.value));
  });
});
