import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BackoffPolicy,
  backoffMs,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
  visibilityTimeoutSeconds,
} from '../../../lib/retry/backoff.ts';
import { randomInt, seededRandom } from '../envelope/seeded-random.ts';

const EXACT: BackoffPolicy = { baseMs: 100, maxMs: 5_000, jitter: 'none' };
const JITTERED: BackoffPolicy = { ...EXACT, jitter: 'full' };

describe('backoffMs', () => {
  test('doubles from the base and stops at the cap', () => {
    const steps = Array.from({ length: 9 }, (_, attempt) => backoffMs(attempt, EXACT));
    assert.deepEqual(steps, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  test('full jitter maps random values onto 0..step, deterministically', () => {
    assert.equal(
      backoffMs(3, JITTERED, () => 0),
      0,
    );
    assert.equal(
      backoffMs(3, JITTERED, () => 0.5),
      400,
    );
    assert.equal(
      backoffMs(3, JITTERED, () => 0.999_999_9),
      800,
    );
    assert.equal(
      backoffMs(10, JITTERED, () => 0.25),
      1250,
    );
    const a = seededRandom(5);
    const b = seededRandom(5);
    for (let attempt = 0; attempt < 50; attempt++)
      assert.equal(backoffMs(attempt, JITTERED, a), backoffMs(attempt, JITTERED, b));
  });

  test('stays a whole number within [0, min(max, base * 2^attempt)] for many random policies', () => {
    const random = seededRandom(99);
    for (let i = 0; i < 20_000; i++) {
      const policy: BackoffPolicy = {
        baseMs: randomInt(random, 0, 10_000) * (random() < 0.1 ? 0.37 : 1),
        maxMs: randomInt(random, 0, 3_600_000),
        jitter: random() < 0.5 ? 'full' : 'none',
      };
      const attempt = randomInt(random, 0, random() < 0.9 ? 40 : 5000);
      const wait = backoffMs(attempt, policy, random);
      const step = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
      assert.ok(
        Number.isInteger(wait) && wait >= 0 && wait <= step,
        `${wait} for ${JSON.stringify({ policy, attempt })}`,
      );
      if (policy.jitter === 'none') assert.equal(wait, Math.floor(step));
    }
  });

  test('full jitter is spread over the whole range, not bunched at the step', () => {
    const random = seededRandom(1);
    const waits = Array.from({ length: 20_000 }, () => backoffMs(4, JITTERED, random));
    const mean = waits.reduce((sum, w) => sum + w, 0) / waits.length;
    assert.ok(Math.abs(mean - 800) < 25, `mean ${mean}, expected about 800 for a 1600 ms step`);
    assert.ok(waits.some((w) => w < 100) && waits.some((w) => w > 1500));
  });

  test('survives huge attempt numbers and a zero base', () => {
    assert.equal(backoffMs(1_000_000, EXACT), 5000);
    assert.equal(backoffMs(1_000_000, { baseMs: 0, maxMs: 5000, jitter: 'none' }), 0);
    assert.equal(
      backoffMs(1_000_000, { baseMs: 0, maxMs: 5000, jitter: 'full' }, () => 0.9),
      0,
    );
  });

  test('tolerates a random source that returns 1 and rejects one that leaves [0, 1]', () => {
    assert.equal(
      backoffMs(2, JITTERED, () => 1),
      400,
    );
    for (const value of [1.5, -0.5, Number.NaN]) {
      assert.throws(
        () => backoffMs(2, JITTERED, () => value),
        /random source must return a number in \[0, 1\)/,
      );
    }
  });

  test('rejects a negative or fractional attempt and a negative or infinite policy, naming it', () => {
    assert.throws(() => backoffMs(-1, EXACT), /attempt must be an integer >= 0, got -1/);
    assert.throws(() => backoffMs(1.5, EXACT), /attempt must be an integer >= 0, got 1.5/);
    assert.throws(
      () => backoffMs(0, { ...EXACT, baseMs: -1 }),
      /baseMs must be a finite number >= 0, got -1/,
    );
    assert.throws(
      () => backoffMs(0, { ...EXACT, maxMs: Number.POSITIVE_INFINITY }),
      /maxMs must be a finite number/,
    );
  });
});

describe('visibilityTimeoutSeconds', () => {
  const policy: BackoffPolicy = { baseMs: 1_000, maxMs: 900_000, jitter: 'none' };

  test('is the backoff step of the receive count, in seconds', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 10, 11].map((count) => visibilityTimeoutSeconds(count, policy)),
      [2, 4, 8, 16, 900, 900],
    );
  });

  test('rounds up, so a short wait does not make the message visible at once', () => {
    assert.equal(visibilityTimeoutSeconds(0, { baseMs: 1, maxMs: 10, jitter: 'none' }), 1);
    assert.equal(visibilityTimeoutSeconds(0, { baseMs: 1500, maxMs: 10_000, jitter: 'none' }), 2);
  });

  test('never exceeds SQS’s 12 hours, and jitters uniformly below that rather than piling up at it', () => {
    const long: BackoffPolicy = { baseMs: 60_000, maxMs: 7 * 24 * 3_600_000, jitter: 'full' };
    assert.equal(SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, 43_200);
    assert.equal(visibilityTimeoutSeconds(30, { ...long, jitter: 'none' }), 43_200);
    assert.equal(
      visibilityTimeoutSeconds(30, long, () => 0.999_999_99),
      43_200,
    );
    assert.equal(
      visibilityTimeoutSeconds(30, long, () => 0.5),
      21_600,
    );
  });

  test('is a whole number of seconds in 0..43200 for many random policies and counts', () => {
    const random = seededRandom(17);
    for (let i = 0; i < 10_000; i++) {
      const p: BackoffPolicy = {
        baseMs: randomInt(random, 0, 120_000),
        maxMs: randomInt(random, 0, 100_000_000),
        jitter: random() < 0.5 ? 'full' : 'none',
      };
      const seconds = visibilityTimeoutSeconds(randomInt(random, 0, 100), p, random);
      assert.ok(Number.isInteger(seconds) && seconds >= 0 && seconds <= 43_200, `${seconds}`);
      assert.ok(seconds <= Math.ceil(p.maxMs / 1000));
    }
  });
});
