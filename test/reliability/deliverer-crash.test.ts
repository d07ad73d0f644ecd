// Fault (c): the deliverer dies after the endpoint answered 2xx and before it wrote its batch's
// ledger entry (docs/architecture.md, Completion ledger). The entry holds every record the batch
// finished, so they are all lost together; none of the batch's messages was deleted, so SQS
// hands them out again and the endpoint gets those records a second time: duplicates only of the
// lost entries' records, with the idempotency key to recognise them (I5). Nothing is lost and
// the commit never passes a record whose entry was lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { recordId } from '../../lib/envelope/index.ts';
import { assertInvariants } from '../support/invariant-asserts.ts';
import { ReliabilityRun, reliabilityClients, reportLine } from './harness.ts';

const clients = reliabilityClients();
/** What a crash before the entry logs: the failed write and the batch's messages going back. */
const CRASH_PROBLEMS = [/injected crash/];

test('deliverer crash between the answers and the batch entry: duplicates only of the lost entries, nothing lost', {
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
    assertInvariants(report, run.problems, { allowProblems: CRASH_PROBLEMS });
    // I4 on the records whose entry a crash lost: each was written again later, and no commit
    // passed it before that (a commit taken at the first 2xx would have).
    for (const where of run.lostEntryRecords.keys()) {
      const [partition, offset] = where.split('/').map(Number) as [number, number];
      const id = recordId({ route: run.route.name, topic: run.topic, partition, offset: String(offset) });
      const rewritten = run.writes.finishedAt(id);
      assert.ok(rewritten !== undefined, `${id}: its entry was lost and never written again`);
      const early = run.commitSamples.filter(
        (s) => s.partition === partition && s.committed > BigInt(offset) && s.at < rewritten,
      );
      assert.deepEqual(early, [], `${id} (entry rewritten at ${rewritten}) was committed past before that`);
    }
    assert.equal(report.delivered, 120);
    const lostWrites = [...run.lostEntryRecords.values()].reduce((sum, n) => sum + n, 0);
    assert.ok(run.lostEntryRecords.size >= run.crashes.length, 'each crash lost its whole entry');
    assert.ok(
      report.duplicates <= lostWrites,
      `at most one duplicate per record of a lost entry, got ${report.duplicates} for ${lostWrites}`,
    );
    for (const duplicate of report.duplicateDetails) {
      assert.doesNotMatch(duplicate.reason, /^unexplained/, duplicate.recordId);
      const where = duplicate.recordId.split('/').slice(-2).join('/');
      const lost = run.lostEntryRecords.get(where) ?? 0;
      assert.ok(lost > 0, `${duplicate.recordId} was not in a lost entry`);
      assert.ok(
        duplicate.accepted <= 1 + lost,
        `${duplicate.recordId}: ${duplicate.accepted} accepted, ${lost} lost`,
      );
    }
  } finally {
    await run.stop();
  }
});
