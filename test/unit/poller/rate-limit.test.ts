import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  inFlightRateFactor,
  MIN_RATE_FACTOR,
  partitionShare,
  TokenBucket,
} from '../../../lib/rate-limit/index.ts';

describe('TokenBucket', () => {
  test('starts full, then refills at its rate up to the burst', () => {
    // Prepare
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);

    // Act
    const firstFive = Array.from({ length: 5 }, () => bucket.tryTake());
    const sixth = bucket.tryTake();
    const waitMs = bucket.msUntil(1);
    now += 100;
    const afterWait = bucket.tryTake();
    now += 10_000;
    const tokensAfterLongPause = bucket.tokens;

    // Assess
    assert.deepEqual(firstFive, [true, true, true, true, true]);
    assert.equal(sixth, false);
    assert.equal(waitMs, 100);
    assert.equal(afterWait, true);
    assert.equal(tokensAfterLongPause, 5);
  });

  test('configure changes the rate and caps the tokens to the new burst', () => {
    // Prepare
    let now = 0;
    const bucket = new TokenBucket(100, 100, () => now);

    // Act
    bucket.configure(1, 2);
    const tokens = bucket.tokens;
    bucket.tryTake(2);
    now += 500;

    // Assess
    assert.equal(tokens, 2);
    assert.equal(bucket.ratePerSecond, 1);
    assert.equal(bucket.msUntil(1), 500);
  });

  test('rejects rates and bursts that make no sense', () => {
    assert.throws(() => new TokenBucket(0, 1), /rate must be a finite number > 0/);
    assert.throws(() => new TokenBucket(1, 0), /burst must be a finite number >= 1/);
    assert.throws(() => new TokenBucket(1, 2).msUntil(3), /can never be available/);
  });
});

describe('inFlightRateFactor', () => {
  test('full rate up to half the window, then down linearly to the minimum at a full window', () => {
    assert.equal(inFlightRateFactor(0, 100), 1);
    assert.equal(inFlightRateFactor(50, 100), 1);
    assert.equal(inFlightRateFactor(75, 100), 1 - 0.5 * (1 - MIN_RATE_FACTOR));
    assert.equal(inFlightRateFactor(100, 100), MIN_RATE_FACTOR);
    assert.equal(inFlightRateFactor(500, 100), MIN_RATE_FACTOR);
  });

  test('the route rate is shared by the partitions a task owns', () => {
    assert.equal(partitionShare(100, 4), 25);
    assert.equal(partitionShare(100, 0), 100);
  });
});
