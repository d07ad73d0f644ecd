// The invariant checker itself: each count can fail (a checker that always says 0 proves nothing),
// and each input below breaks exactly one rule, so each count is asserted exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CheckInput,
  checkInvariants,
  type EndpointRequest,
  type RecordedFinish,
} from '../../lib/invariants/checker.ts';
import { valueDigest } from '../../lib/invariants/values.ts';

const id = (partition: number, offset: number) => `r/t/${partition}/${offset}`;
const digest = (offset: number) => valueDigest(Buffer.from(`{"n":${offset}}`));
const accepted = (offset: number, at: number): EndpointRequest => ({
  recordId: id(0, offset),
  at,
  accepted: true,
  valueDigest: digest(offset),
});
const failed = (offset: number, at: number): EndpointRequest => ({
  ...accepted(offset, at),
  accepted: false,
});
/** Each record's completion written at 120 (after every acceptance at 100-103). */
const finishes: RecordedFinish[] = [0, 1, 2, 3].map((o) => ({
  recordId: id(0, o),
  at: 120,
  status: 'delivered',
}));

function input(overrides: Partial<CheckInput>): CheckInput {
  // Partition 0: a (0), a (1), b (2), a (3). All delivered in order, committed to 4.
  return {
    route: 'r',
    topic: 't',
    produced: [0, 1, 2, 3].map((o) => ({
      partition: 0,
      offset: BigInt(o),
      key: o === 2 ? 'b' : 'a',
      valueDigest: digest(o),
    })),
    requests: [0, 1, 2, 3].map((o) => accepted(o, 100 + o)),
    archived: [],
    deadLetterQueue: [],
    committed: new Map([[0, 4n]]),
    logEnd: new Map([[0, 4n]]),
    ...overrides,
  };
}

test('a clean run reports nothing', () => {
  const report = checkInvariants(
    input({ commitSamples: [{ at: 130, partition: 0, committed: 4n }], finishes }),
  );
  assert.equal(report.lost, 0);
  assert.equal(report.orderViolations, 0);
  assert.equal(report.duplicates, 0);
  assert.equal(report.valueMismatches, 0);
  assert.equal(report.commitPastUnfinished, 0);
  assert.equal(report.deadLettersWithoutDlq, 0);
  assert.equal(report.delivered, 4);
  assert.equal(report.inFlightExceeded, null);
});

test('a record below the committed offset, neither delivered nor archived, is lost (I1)', () => {
  const base = input({});
  const report = checkInvariants({ ...base, requests: base.requests.filter((r) => r.recordId !== id(0, 2)) });
  assert.equal(report.lost, 1);
  assert.match(report.examples.lost[0] ?? '', /offset 2/);
  // Above the committed offset it is only unfinished.
  const open = checkInvariants({
    ...base,
    requests: base.requests.filter((r) => r.recordId !== id(0, 3)),
    committed: new Map([[0, 3n]]),
  });
  assert.equal(open.lost, 0);
  assert.equal(open.unfinished, 1);
});

test('a dead letter needs an archive object and a DLQ message; a parked record the archive alone (I1)', () => {
  const base = input({});
  const requests = base.requests.filter((r) => r.recordId !== id(0, 2));
  const deadLetter = {
    recordId: id(0, 2),
    outcome: 'dead-lettered' as const,
    reason: '422',
    archivedAt: 103,
  };
  const archived = [deadLetter];
  // Archived, never sent to the DLQ: not a dead letter, so lost.
  const archiveOnly = checkInvariants({ ...base, requests, archived });
  assert.equal(archiveOnly.lost, 1);
  assert.equal(archiveOnly.deadLettersWithoutDlq, 1);
  assert.equal(archiveOnly.deadLettered, 0);
  const both = checkInvariants({ ...base, requests, archived, deadLetterQueue: [id(0, 2)] });
  assert.equal(both.lost, 0);
  assert.equal(both.deadLettersWithoutDlq, 0);
  assert.equal(both.deadLettered, 1);
  const parked = checkInvariants({
    ...base,
    requests,
    archived: [{ ...deadLetter, outcome: 'parked' as const }],
  });
  assert.equal(parked.lost, 0);
  assert.equal(parked.parked, 1);
});

test('a key attempted past its dead letter is an order violation under quarantine, not under dlq (I2)', () => {
  const base = input({});
  const deadLetter = {
    requests: base.requests.filter((r) => r.recordId !== id(0, 1)),
    archived: [{ recordId: id(0, 1), outcome: 'dead-lettered' as const, reason: '422', archivedAt: 102 }],
    deadLetterQueue: [id(0, 1)],
  };
  const report = checkInvariants({ ...base, ...deadLetter });
  assert.equal(report.lost, 0);
  assert.equal(report.orderViolations, 1, 'a#3 was attempted although a#1 was dead-lettered');
  assert.equal(checkInvariants({ ...base, ...deadLetter, onPoison: 'dlq' }).orderViolations, 0);
});

test('records of one key accepted out of offset order are an order violation (I2)', () => {
  // a#3 first (before a#0 and a#1 finished): one record attempted too early.
  const report = checkInvariants(input({ requests: [3, 0, 1, 2].map((o, i) => accepted(o, 100 + i)) }));
  assert.equal(report.orderViolations, 1);
  assert.match(report.examples.orderViolations[0] ?? '', /r\/t\/0\/3/);
});

test('every attempt counts for order: a failed request for b before a was accepted is a violation (I2)', () => {
  // a#1 tried (503) while a#0 was still failing; both accepted later, in order.
  const early = [
    failed(0, 100),
    failed(1, 101),
    accepted(0, 102),
    accepted(1, 103),
    accepted(2, 104),
    accepted(3, 105),
  ];
  const report = checkInvariants(input({ requests: early }));
  assert.equal(report.orderViolations, 1);
  assert.match(report.examples.orderViolations[0] ?? '', /r\/t\/0\/1.*not accepted/);
  // A slow answer: a#0 arrives at 100 but is answered at 110; a#1 at 105 came before the answer.
  const slow = [
    { ...accepted(0, 100), answeredAt: 110 },
    accepted(1, 105),
    accepted(2, 106),
    accepted(3, 111),
  ];
  assert.equal(checkInvariants(input({ requests: slow })).orderViolations, 1);
  const retried = [
    failed(0, 100),
    accepted(0, 102),
    failed(1, 103),
    accepted(1, 104),
    accepted(2, 105),
    accepted(3, 106),
  ];
  assert.equal(checkInvariants(input({ requests: retried })).orderViolations, 0);
});

test('an accepted request whose value differs from the record in the topic is a value mismatch', () => {
  const base = input({});
  const wrong = base.requests.map((r) => (r.recordId === id(0, 2) ? { ...r, valueDigest: digest(7) } : r));
  // A refused request with a wrong value is not counted; a second accepted one is.
  const report = checkInvariants({
    ...base,
    requests: [...wrong, { ...failed(1, 104), valueDigest: null }],
  });
  assert.equal(report.valueMismatches, 1);
  assert.match(report.examples.valueMismatches[0] ?? '', /r\/t\/0\/2/);
  const twice = checkInvariants({
    ...base,
    requests: [...wrong, { ...accepted(3, 104), valueDigest: null }],
  });
  assert.equal(twice.valueMismatches, 2);
});

test('duplicates are counted, with the reason the run noted or "unexplained"', () => {
  const base = input({});
  const report = checkInvariants({ ...base, requests: [...base.requests, accepted(0, 200), failed(2, 201)] });
  assert.equal(report.duplicates, 1);
  assert.match(report.duplicateDetails[0]?.reason ?? '', /^unexplained/);
  const noted = checkInvariants({
    ...base,
    requests: [{ ...accepted(0, 99), note: 'crash' }, ...base.requests],
  });
  assert.equal(noted.duplicateDetails[0]?.reason, 'crash');
});

test("a commit before a record's completion was written passed an unfinished record, whatever the endpoint answered (I4)", () => {
  // Every record was accepted by 103; a#3's completion (its ledger entry lost) was written at 160.
  const late = finishes.map((f) => (f.recordId === id(0, 3) ? { ...f, at: 160 } : f));
  const report = checkInvariants(
    input({ commitSamples: [{ at: 150, partition: 0, committed: 4n }], finishes: late }),
  );
  assert.equal(report.commitPastUnfinished, 1);
  assert.match(report.examples.commitPastUnfinished[0] ?? '', /r\/t\/0\/3.*written at 160/);
  const never = finishes.filter((f) => f.recordId !== id(0, 3));
  assert.equal(
    checkInvariants(input({ commitSamples: [{ at: 500, partition: 0, committed: 4n }], finishes: never }))
      .commitPastUnfinished,
    1,
  );
  const fine = checkInvariants(
    input({ commitSamples: [{ at: 160, partition: 0, committed: 4n }], finishes: late }),
  );
  assert.equal(fine.commitPastUnfinished, 0);
  assert.throws(
    () => checkInvariants(input({ commitSamples: [{ at: 160, partition: 0, committed: 4n }] })),
    /finishes/,
  );
});

test('a sampled committed offset below an earlier sample of its partition moved backwards (I4)', () => {
  const samples = [
    { at: 200, partition: 0, committed: 4n },
    { at: 201, partition: 1, committed: 1n },
    { at: 202, partition: 0, committed: 3n },
    { at: 203, partition: 0, committed: 4n },
  ];
  assert.equal(checkInvariants(input({ commitSamples: samples, finishes })).commitMovedBack, 1);
  assert.equal(checkInvariants(input({ commitSamples: samples.slice(0, 2), finishes })).commitMovedBack, 0);
});

test('in-flight samples above maxInFlight are counted (I6)', () => {
  const report = checkInvariants(
    input({
      maxInFlight: 2,
      inFlightSamples: [
        { at: 1, partition: 0, inFlight: 2 },
        { at: 2, partition: 0, inFlight: 3 },
      ],
    }),
  );
  assert.equal(report.inFlightExceeded, 1);
  assert.equal(report.maxInFlightSeen, 3);
});
