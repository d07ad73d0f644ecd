// Fault (c): the deliverer dies after the endpoint answered 2xx and before it wrote the record's
// completion. The message was not deleted, so SQS hands it out again and the endpoint gets it a
// second time: at most one duplicate per crash, with the idempotency key to recognise it (I5).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ReliabilityRun, reliabilityClients, reportLine } from './harness.ts';

const clients = reliabilityClients();

test('deliverer crash between the answer and the completion: one duplicate per crash, nothing lost', {
  timeout: 90_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 2, route: { maxInFlight: 40 } });
  const why = 'the deliverer crashed after the endpoint answered and before the completion was written';
  try {
    // A crashed invocation's messages come back after the queue's visibility timeout (the
    // function timeout, 50 s here); 5 s keeps the case short and is still longer than a batch.
    await clients().sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: run.resources.queue.url,
        Attributes: { VisibilityTimeout: '5' },
      }),
    );
    const crashAt = new Set(['0/7', '0/31', '1/12', '1/40']);
    run.script = (request) => {
      const at = `${request.recordId.split('/').at(-2)}/${request.offset}`;
      return crashAt.has(at) && request.nth === 1
        ? { status: 200, body: 'ok', note: why }
        : { status: 200, body: 'ok' };
    };
    await run.produce(120, 20);
    run.startConsumers({
      crashBeforeCompletion: (partition, offset) => crashAt.delete(`${partition}/${offset}`),
    });
    await run.startPoller();
    await run.waitCommitted(60_000);
    await run.stopPoller();
    const report = await run.check();
    console.log(reportLine('deliverer crash before completion', report));
    assert.deepEqual(crashAt, new Set(), 'every planned crash happened');
    assert.equal(run.crashes.length, 4);
    assert.equal(report.lost, 0, report.examples.lost.join('\n'));
    assert.equal(report.orderViolations, 0, report.examples.orderViolations.join('\n'));
    assert.equal(report.commitPastUnfinished, 0, report.examples.commitPastUnfinished.join('\n'));
    assert.equal(report.delivered, 120);
    assert.ok(
      report.duplicates <= run.crashes.length,
      `at most one duplicate per crash, got ${report.duplicates}`,
    );
    for (const duplicate of report.duplicateDetails) {
      assert.equal(duplicate.accepted, 2, duplicate.recordId);
      assert.equal(duplicate.reason, why, duplicate.recordId);
    }
  } finally {
    await run.stop();
  }
});
