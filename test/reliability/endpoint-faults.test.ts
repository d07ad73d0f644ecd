// Fault (b): the endpoint answers 5xx in bursts, and answers slowly or too late (the deliverer's
// request timeout). The poller runs in process so its in-flight counts are sampled (I6).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertInvariants, DELIVERY_FAILURES } from '../support/invariant-asserts.ts';
import { ReliabilityRun, reliabilityClients, reportLine } from './harness.ts';

const clients = reliabilityClients();

test('5xx bursts: every record delivered once, in key order, within maxInFlight', {
  timeout: 90_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 3, route: { maxInFlight: 30 } });
  try {
    // Two bursts of 1.5 s where every request gets 503, and every 4th record's first two tries.
    const started = Date.now();
    const inBurst = (at: number) => (at - started) % 6_000 < 1_500;
    run.script = (request) => {
      if (inBurst(request.at)) return { status: 503, body: 'burst' };
      if (Number(request.offset) % 4 === 0 && request.nth <= 2) return { status: 500, body: 'flaky' };
      return { status: 200, body: 'ok' };
    };
    await run.produce(200, 25);
    run.startConsumers();
    await run.startPoller();
    await run.waitCommitted(50_000);
    await run.stopPoller();
    const report = await run.check();
    console.log(reportLine('endpoint 5xx bursts', report));
    assert.equal(report.produced, 200);
    assert.ok(run.endpoint.received.length > 200, 'the faults made the deliverer retry');
    assertInvariants(report, run.problems, { allowProblems: [DELIVERY_FAILURES] });
    assert.ok(report.maxInFlightSeen !== null && report.maxInFlightSeen > 0);
    // Delivered once: each record accepted by the endpoint exactly once, none dead-lettered.
    assert.equal(report.delivered, 200);
    assert.equal(report.deadLettered, 0);
    assert.equal(report.duplicates, 0);
    assert.deepEqual(report.duplicateDetails, []);
  } finally {
    await run.stop();
  }
});

test('slow answers and answers after the request timeout: duplicates only where the answer came too late', {
  timeout: 90_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), {
    partitions: 2,
    endpointTimeoutMs: 1_000,
    route: { maxInFlight: 40 },
  });
  const late =
    'the endpoint answered 2xx after the deliverer timed out (1 s), so the deliverer sent it again';
  try {
    run.script = (request) => {
      const offset = Number(request.offset);
      if (offset % 10 === 3 && request.nth === 1)
        return { status: 200, body: 'late', delayMs: 1_500, note: late };
      if (offset % 5 === 1) return { status: 200, body: 'slow', delayMs: 400 };
      return { status: 200, body: 'ok' };
    };
    await run.produce(120, 20);
    run.startConsumers();
    await run.startPoller();
    await run.waitCommitted(50_000);
    await run.stopPoller();
    const report = await run.check();
    console.log(reportLine('endpoint slow and timing out', report));
    assert.equal(report.produced, 120);
    assertInvariants(report, run.problems, { allowProblems: [DELIVERY_FAILURES] });
    assert.ok(report.duplicates > 0, 'late answers are accepted twice by the endpoint');
    for (const duplicate of report.duplicateDetails) assert.equal(duplicate.reason, late, duplicate.recordId);
  } finally {
    await run.stop();
  }
});
