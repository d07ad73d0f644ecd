import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BackoffPolicy } from '../../../lib/retry/backoff.ts';
import { RetryError } from '../../../lib/retry/errors.ts';
import { type RetryOptions, retry } from '../../../lib/retry/retry.ts';
import { randomInt, seededRandom } from '../envelope/seeded-random.ts';

const EXACT: BackoffPolicy = { baseMs: 100, maxMs: 10_000, jitter: 'none' };

/** A clock that only moves when something sleeps (or a test moves it), and a record of the sleeps. */
function fakeTime(start = 1_000_000) {
  const clock = { now: start, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

/** A function failing with the given errors in turn, then returning 'ok'. */
function failing(...errors: unknown[]) {
  const calls: number[] = [];
  const fn = async ({ attempt }: { attempt: number }) => {
    calls.push(attempt);
    if (calls.length <= errors.length) throw errors[calls.length - 1];
    return 'ok';
  };
  return { fn, calls };
}

async function rejection(promise: Promise<unknown>): Promise<RetryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RetryError, `expected a RetryError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('retry', () => {
  test('returns the first success without waiting', async () => {
    const time = fakeTime();
    const { fn, calls } = failing();
    assert.equal(await retry(fn, { attempts: 3, policy: EXACT, shouldRetry: () => true, ...time }), 'ok');
    assert.deepEqual(calls, [1]);
    assert.deepEqual(time.clock.sleeps, []);
  });

  test('retries with the backoff steps and returns the eventual success', async () => {
    const time = fakeTime();
    const { fn, calls } = failing(new Error('a'), new Error('b'));
    assert.equal(await retry(fn, { attempts: 5, policy: EXACT, shouldRetry: () => true, ...time }), 'ok');
    assert.deepEqual(calls, [1, 2, 3]);
    assert.deepEqual(time.clock.sleeps, [100, 200]);
  });

  test('uses the injected random source for jitter', async () => {
    const time = fakeTime();
    const { fn } = failing(new Error('a'), new Error('b'));
    const options = { attempts: 3, policy: { ...EXACT, jitter: 'full' as const }, shouldRetry: () => true };
    await retry(fn, { ...options, ...time, random: () => 0.5 });
    assert.deepEqual(time.clock.sleeps, [50, 100]);
  });

  test('throws the last error with the history of every attempt when attempts run out', async () => {
    const time = fakeTime();
    const errors = [new Error('first'), new Error('second'), new Error('third')];
    const { fn, calls } = failing(...errors);
    const error = await rejection(
      retry(fn, { attempts: 3, policy: EXACT, shouldRetry: () => true, ...time }),
    );
    assert.deepEqual(calls, [1, 2, 3]);
    assert.equal(error.stoppedBy, 'exhausted');
    assert.equal(error.cause, errors[2]);
    assert.equal(error.lastError, errors[2]);
    assert.equal(error.message, 'gave up after 3 attempts (no attempts left): third');
    assert.deepEqual(
      error.attempts.map(({ attempt, error: e, waitMs, startedAt }) => ({ attempt, e, waitMs, startedAt })),
      [
        { attempt: 1, e: errors[0], waitMs: 100, startedAt: 1_000_000 },
        { attempt: 2, e: errors[1], waitMs: 200, startedAt: 1_000_100 },
        { attempt: 3, e: errors[2], waitMs: undefined, startedAt: 1_000_300 },
      ],
    );
    assert.ok(!('waitMs' in (error.attempts[2] ?? {})), 'the last attempt has no wait');
  });

  test('stops at once on an error shouldRetry refuses, and tells it which attempt failed', async () => {
    const time = fakeTime();
    const seen: Array<[unknown, number]> = [];
    const bad = new Error('400 Bad Request');
    const { fn, calls } = failing(new Error('503'), bad);
    const error = await rejection(
      retry(fn, {
        attempts: 5,
        policy: EXACT,
        shouldRetry: (e, attempt) => {
          seen.push([e, attempt]);
          return e !== bad;
        },
        ...time,
      }),
    );
    assert.deepEqual(calls, [1, 2]);
    assert.equal(error.stoppedBy, 'not-retryable');
    assert.equal(error.cause, bad);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1], [bad, 2]);
    assert.match(error.message, /^gave up after 2 attempts \(error is not retryable\): 400 Bad Request$/);
  });

  test('waits exactly the afterMs shouldRetry asks for (a Retry-After), a negative one as 0', async () => {
    const time = fakeTime();
    const decisions = [{ afterMs: 7_000 }, { afterMs: -50 }];
    const { fn } = failing(new Error('429'), new Error('429'));
    await retry(fn, { attempts: 3, policy: EXACT, shouldRetry: () => decisions.shift() ?? true, ...time });
    assert.deepEqual(time.clock.sleeps, [7_000, 0]);
  });

  test("hands on the server's requested wait when the attempts run out, but not a backoff step", async () => {
    const time = fakeTime();
    const withRetryAfter = await rejection(
      retry(failing(new Error('429'), new Error('429')).fn, {
        attempts: 2,
        policy: EXACT,
        shouldRetry: () => ({ afterMs: 9_000 }),
        ...time,
      }),
    );
    assert.equal(withRetryAfter.stoppedBy, 'exhausted');
    assert.equal(withRetryAfter.nextWaitMs, 9_000);
    const withBackoff = await rejection(
      retry(failing(new Error('503')).fn, { attempts: 1, policy: EXACT, shouldRetry: () => true, ...time }),
    );
    assert.equal(withBackoff.nextWaitMs, undefined);
  });

  test('rejects an afterMs that is not a finite number', async () => {
    const time = fakeTime();
    const { fn } = failing(new Error('x'));
    await assert.rejects(
      retry(fn, { attempts: 3, policy: EXACT, shouldRetry: () => ({ afterMs: Number.NaN }), ...time }),
      /shouldRetry returned afterMs NaN/,
    );
  });

  test('does not sleep past the deadline: it stops with the wait that did not fit', async () => {
    const time = fakeTime(0);
    const { fn, calls } = failing(new Error('a'), new Error('b'), new Error('c'), new Error('d'));
    const error = await rejection(
      retry(fn, { attempts: 10, policy: EXACT, shouldRetry: () => true, deadline: 350, ...time }),
    );
    // Waits 100 (ends at 100) and 200 (ends at 300) fit; 400 would end at 700.
    assert.deepEqual(time.clock.sleeps, [100, 200]);
    assert.deepEqual(calls, [1, 2, 3]);
    assert.equal(error.stoppedBy, 'deadline');
    assert.equal(error.nextWaitMs, 400);
    assert.equal(error.attempts.length, 3);
    assert.match(error.message, /next attempt would start past the deadline/);
  });

  test('gives up on a Retry-After longer than the time left', async () => {
    const time = fakeTime(0);
    const { fn } = failing(new Error('429'));
    const error = await rejection(
      retry(fn, {
        attempts: 5,
        policy: EXACT,
        shouldRetry: () => ({ afterMs: 60_000 }),
        deadline: 30_000,
        ...time,
      }),
    );
    assert.equal(error.stoppedBy, 'deadline');
    assert.equal(error.nextWaitMs, 60_000);
    assert.deepEqual(time.clock.sleeps, []);
  });

  test('never starts an attempt after the deadline, for many random policies and slow attempts', async () => {
    const random = seededRandom(123);
    for (let i = 0; i < 500; i++) {
      const time = fakeTime(0);
      const deadline = randomInt(random, 0, 20_000);
      const starts: number[] = [];
      const error = await rejection(
        retry(
          async () => {
            starts.push(time.clock.now);
            time.clock.now += randomInt(random, 0, 500); // the attempt itself takes time
            throw new Error('down');
          },
          {
            attempts: randomInt(random, 1, 30),
            policy: { baseMs: randomInt(random, 0, 2000), maxMs: randomInt(random, 0, 8000), jitter: 'full' },
            shouldRetry: () => (random() < 0.2 ? { afterMs: randomInt(random, 0, 5000) } : true),
            deadline,
            ...time,
            random,
          },
        ),
      );
      for (const start of starts.slice(1))
        assert.ok(start <= deadline, `attempt started at ${start}, deadline ${deadline}`);
      assert.equal(error.attempts.length, starts.length);
    }
  });

  test('does not start when the signal is already aborted', async () => {
    const { fn, calls } = failing();
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    const error = await rejection(
      retry(fn, { attempts: 3, policy: EXACT, shouldRetry: () => true, signal: controller.signal }),
    );
    assert.equal(error.stoppedBy, 'aborted');
    assert.deepEqual(calls, []);
    assert.equal((error.cause as Error).message, 'shutting down');
  });

  test('an abort during the wait ends it at once (real timers), keeping the attempt history', async () => {
    const controller = new AbortController();
    const { fn, calls } = failing(new Error('down'));
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    const options: RetryOptions = {
      attempts: 3,
      policy: { baseMs: 60_000, maxMs: 60_000, jitter: 'none' },
      shouldRetry: () => true,
      signal: controller.signal,
    };
    const error = await rejection(retry(fn, options));
    assert.ok(Date.now() - started < 5_000, 'did not sleep the full minute');
    assert.equal(error.stoppedBy, 'aborted');
    assert.deepEqual(calls, [1]);
    assert.equal((error.cause as Error).message, 'down');
    assert.equal(error.attempts.length, 1);
  });

  test('an abort during an attempt stops without asking shouldRetry', async () => {
    const controller = new AbortController();
    let asked = false;
    const error = await rejection(
      retry(
        async ({ signal }) => {
          assert.equal(signal, controller.signal, 'the attempt gets the signal to pass on');
          controller.abort();
          throw new Error('request aborted');
        },
        {
          attempts: 3,
          policy: EXACT,
          shouldRetry: () => {
            asked = true;
            return true;
          },
          signal: controller.signal,
        },
      ),
    );
    assert.equal(error.stoppedBy, 'aborted');
    assert.equal(asked, false);
  });

  test('sleeps for real by default', async () => {
    const { fn, calls } = failing(new Error('a'));
    const started = Date.now();
    const result = await retry(fn, {
      attempts: 2,
      policy: { baseMs: 30, maxMs: 30, jitter: 'none' },
      shouldRetry: () => true,
    });
    assert.equal(result, 'ok');
    assert.deepEqual(calls, [1, 2]);
    assert.ok(Date.now() - started >= 25);
  });

  test('does not hide a failure of an injected sleep', async () => {
    const { fn } = failing(new Error('a'));
    const broken = new Error('sleep broke');
    await assert.rejects(
      retry(fn, {
        attempts: 2,
        policy: EXACT,
        shouldRetry: () => true,
        sleep: async () => {
          throw broken;
        },
      }),
      (error: unknown) => error === broken,
    );
  });

  test('rejects fewer than one attempt', async () => {
    const { fn } = failing();
    await assert.rejects(
      retry(fn, { attempts: 0, policy: EXACT, shouldRetry: () => true }),
      /attempts must be an integer >= 1, got 0/,
    );
  });
});
