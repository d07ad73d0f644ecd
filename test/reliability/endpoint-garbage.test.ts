// Fault (h): an endpoint answering garbage (a malformed status line, binary bytes), resetting the
// connection before or in the middle of its answer, and an endpoint that never answers nor closes
// the connection, at the HTTP level (the request is read, no answer comes) and below it (a TCP
// port that accepts and never reads). The deliverer's request timeout must fire; the record is
// retried with backoff, delivered once the endpoint answers again, or dead-lettered with a reason
// that names the timeout. Nothing is lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readArchive } from '../../lib/invariants/checker.ts';
import { BlackHole } from '../support/endpoint.ts';
import { DEAD_LETTERED, DELIVERY_FAILURES } from '../support/invariant-asserts.ts';
import { finishRun, ReliabilityRun, reliabilityClients } from './harness.ts';

const clients = reliabilityClients();

test('garbage answers and connection resets: retried until delivered, a cut 200 body counts once', {
  timeout: 150_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), {
    partitions: 2,
    endpointTimeoutMs: 1_000,
    route: { maxInFlight: 40 },
  });
  try {
    run.script = (request) => {
      const kind = Number(request.offset) % 6;
      if (kind === 0 && request.nth === 1) return { status: 200, fault: 'garbage' };
      if (kind === 0 && request.nth === 2)
        return { status: 200, fault: 'garbage', body: '\u0000\u00ff\u00fe binary, not HTTP \r\n\r\n' };
      if (kind === 1 && request.nth <= 2) return { status: 200, fault: 'reset' };
      // The status line and headers arrive, then the connection resets mid-body: a 200 was seen.
      if (kind === 2 && request.nth === 1) return { status: 200, fault: 'cut-body' };
      if (kind === 3 && request.nth === 1) return { status: 503, fault: 'cut-body' };
      return { status: 200, body: 'ok' };
    };
    await run.produce(120, 20);
    run.startConsumers();
    await run.startPoller();
    const report = await finishRun(run, 'endpoint garbage and resets', 90_000, {
      allowProblems: [DELIVERY_FAILURES],
    });
    assert.equal(report.produced, 120);
    assert.equal(report.inFlightExceeded, 0);
    assert.equal(report.delivered, 120);
    assert.equal(report.deadLettered, 0);
    // A cut body after a 200 is a delivery: not sent again, so no duplicate.
    assert.deepEqual(report.duplicateDetails, []);
    // Each fault was retried: kind 0 got 3 requests, kind 1 got 3, kind 3 got 2, kinds 2, 4, 5 one.
    const tries = new Map<string, number>();
    for (const r of run.endpoint.received) tries.set(r.recordId, (tries.get(r.recordId) ?? 0) + 1);
    for (const request of run.endpoint.received.filter((r) => r.nth === 1)) {
      const expected = [3, 3, 1, 2, 1, 1][Number(request.offset) % 6];
      assert.equal(tries.get(request.recordId), expected, request.recordId);
    }
  } finally {
    await run.stop();
  }
});

test('an endpoint that hangs: timeouts, backoff, delivery after it recovers, a dead letter naming the timeout', {
  timeout: 150_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), {
    partitions: 2,
    endpointTimeoutMs: 800,
    route: { maxInFlight: 40, retry: { attempts: 12, inProcessAttempts: 2, baseMs: 100, maxMs: 1_000 } },
  });
  try {
    // Every request hangs for the first 4 s (the endpoint accepts, reads and never answers),
    // and key "stuck" never gets an answer at all.
    let outageEnd: number | undefined;
    run.script = (request) => {
      outageEnd ??= request.at + 4_000;
      if (request.key === 'stuck' || request.at < outageEnd) return { status: 200, fault: 'hang' };
      return { status: 200, body: 'ok' };
    };
    await run.produce(80, 16);
    await run.produceMessages([
      { key: 'stuck', value: '{"n":"stuck-1"}' },
      { key: 'stuck', value: '{"n":"stuck-2"}' },
    ]);
    run.startConsumers();
    await run.startPoller();
    const report = await finishRun(run, 'endpoint hangs, recovers; one key never answered', 90_000, {
      allowProblems: [DELIVERY_FAILURES, DEAD_LETTERED],
    });
    assert.equal(report.produced, 82);
    assert.equal(report.inFlightExceeded, 0);
    assert.ok(
      run.endpoint.received.some((r) => r.key !== 'stuck' && r.nth > 1),
      'the outage made the deliverer retry',
    );
    assert.equal(report.delivered, 80);
    // "stuck": its first record dead-lettered after 12 timeouts, the second parked behind it.
    assert.equal(report.deadLettered, 2);
    assert.equal(report.parked, 1);
    const archived = await readArchive(clients().s3, run.provisioned.bucket, run.route.name);
    const dead = archived.filter((a) => a.outcome === 'dead-lettered');
    assert.equal(dead.length, 1);
    assert.match(dead[0]?.reason ?? '', /did not answer within 800 ms/);
    assert.equal(run.endpoint.requestsOf('stuck').length, 12);
    assert.deepEqual(report.duplicateDetails, []);
  } finally {
    await run.stop();
  }
});

test('a TCP port that accepts and never reads: large and small requests time out and are dead-lettered with the reason', {
  timeout: 150_000,
}, async () => {
  const hole = await BlackHole.start();
  const run = await ReliabilityRun.create(clients(), {
    partitions: 1,
    route: {
      endpoint: { type: 'http', url: hole.url, timeoutMs: 500 },
      retry: { attempts: 3, inProcessAttempts: 2, baseMs: 50, maxMs: 200 },
      onPoison: 'dlq',
      maxInFlight: 20,
    },
  });
  try {
    // 2 MiB values fill the socket buffers, so the request stalls in its write, not its read.
    // One record per produce request: five of 2 MiB exceed the broker's request limit together.
    for (let i = 0; i < 10; i += 1)
      await run.produceMessages([
        { key: `key-${i}`, value: i % 2 === 0 ? Buffer.alloc(2 * 1_048_576, i) : JSON.stringify({ n: i }) },
      ]);
    run.startConsumers();
    await run.startPoller();
    const report = await finishRun(run, 'endpoint accepts TCP and never reads', 90_000, {
      allowProblems: [DELIVERY_FAILURES, DEAD_LETTERED],
    });
    assert.equal(report.produced, 10);
    assert.equal(report.deadLettered, 10);
    assert.ok(hole.connections >= 10, `connections: ${hole.connections}`);
    const archived = await readArchive(clients().s3, run.provisioned.bucket, run.route.name);
    assert.equal(archived.length, 10);
    for (const record of archived)
      assert.match(record.reason, /did not answer within 500 ms/, record.recordId);
  } finally {
    await run.stop();
    await hole.stop();
  }
});
