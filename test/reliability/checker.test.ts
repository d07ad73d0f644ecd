// The invariant checker itself: each count can fail (a checker that always says 0 proves nothing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CheckInput, checkInvariants, type EndpointRequest } from '../../lib/invariants/checker.ts';

const id = (partition: number, offset: number) => `r/t/${partition}/${offset}`;

function input(overrides: Partial<CheckInput>): CheckInput {
  // Partition 0: a (0), a (1), b (2), a (3). All delivered in order, committed to 4.
  const requests: EndpointRequest[] = [0, 1, 2, 3].map((o) => ({
    recordId: id(0, o),
    at: 100 + o,
    accepted: true,
  }));
  return {
    route: 'r',
    topic: 't',
    produced: [
      { partition: 0, offset: 0n, key: 'a' },
      { partition: 0, offset: 1n, key: 'a' },
      { partition: 0, offset: 2n, key: 'b' },
      { partition: 0, offset: 3n, key: 'a' },
    ],
    requests,
    archived: [],
    committed: new Map([[0, 4n]]),
    logEnd: new Map([[0, 4n]]),
    ...overrides,
  };
}

test('a clean run reports nothing', () => {
  const report = checkInvariants(input({}));
  assert.equal(report.lost, 0);
  assert.equal(report.orderViolations, 0);
  assert.equal(report.duplicates, 0);
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

test('an archived record is not lost; a key delivered past its dead letter is an order violation (I2)', () => {
  const base = input({});
  const report = checkInvariants({
    ...base,
    requests: base.requests.filter((r) => r.recordId !== id(0, 1)),
    archived: [{ recordId: id(0, 1), outcome: 'dead-lettered', reason: '422', archivedAt: 102 }],
  });
  assert.equal(report.lost, 0);
  assert.equal(report.orderViolations, 1, 'a#3 was delivered although a#1 was dead-lettered');
});

test('records of one key accepted out of offset order are an order violation (I2)', () => {
  const report = checkInvariants(
    input({
      requests: [3, 0, 1, 2].map((o, i) => ({ recordId: id(0, o), at: 100 + i, accepted: true })),
    }),
  );
  assert.ok(report.orderViolations >= 1);
});

test('duplicates are counted, with the reason the run noted or "unexplained"', () => {
  const base = input({});
  const report = checkInvariants({
    ...base,
    requests: [
      ...base.requests,
      { recordId: id(0, 0), at: 200, accepted: true },
      { recordId: id(0, 2), at: 201, accepted: false },
    ],
  });
  assert.equal(report.duplicates, 1);
  assert.match(report.duplicateDetails[0]?.reason ?? '', /^unexplained/);
  const noted = checkInvariants({
    ...base,
    requests: [
      { ...base.requests[0], recordId: id(0, 0), at: 99, accepted: true, note: 'crash' },
      ...base.requests,
    ],
  });
  assert.equal(noted.duplicateDetails[0]?.reason, 'crash');
});

test('a commit sampled before a record below it finished is a commit past an unfinished record (I4)', () => {
  const report = checkInvariants(input({ commitSamples: [{ at: 102, partition: 0, committed: 4n }] }));
  assert.equal(report.commitPastUnfinished, 1, 'offset 3 was accepted at 103, after the commit at 102');
  const fine = checkInvariants(input({ commitSamples: [{ at: 103, partition: 0, committed: 4n }] }));
  assert.equal(fine.commitPastUnfinished, 0);
});

test('a sampled committed offset below an earlier sample of its partition moved backwards (I4)', () => {
  const samples = [
    { at: 200, partition: 0, committed: 4n },
    { at: 201, partition: 1, committed: 1n },
    { at: 202, partition: 0, committed: 3n },
    { at: 203, partition: 0, committed: 4n },
  ];
  assert.equal(checkInvariants(input({ commitSamples: samples })).commitMovedBack, 1);
  assert.equal(checkInvariants(input({ commitSamples: samples.slice(0, 2) })).commitMovedBack, 0);
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
