import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Caller } from '../../../lib/deliver/call.ts';
import { DeadLetters } from '../../../lib/deliver/dead-letter.ts';
import { DeliveryError } from '../../../lib/deliver/errors.ts';
import { Visibility } from '../../../lib/deliver/record-context.ts';
import { RetryLaterError } from '../../../lib/deliver/retry-later-error.ts';
import { Settler } from '../../../lib/deliver/settle.ts';
import type { Target } from '../../../lib/deliver/target.ts';
import { RetryError } from '../../../lib/retry/index.ts';
import { envelopeAt, Fakes, routeWith } from './fakes.ts';

const policy = { baseMs: 1, maxMs: 1, jitter: 'full' as const };

function answers(...results: (number | Error)[]): Target & { calls: number } {
  const target = {
    calls: 0,
    async deliver() {
      const result = results[target.calls++] ?? 200;
      if (result instanceof Error) throw result;
      if (result >= 300)
        throw new DeliveryError(`HTTP ${result}`, { status: result, retryable: result >= 500 });
      return { status: result };
    },
  };
  return target as unknown as Target & { calls: number };
}

function caller(fakes: Fakes, target: Target, route = routeWith()) {
  return new Caller({
    route,
    target,
    policy,
    visibility: new Visibility(fakes.sqs, 'queue-url', fakes.logger),
    metrics: fakes.metrics,
    now: Date.now,
    random: () => 0,
  });
}

function loadedOf(envelope = envelopeAt(1)) {
  return { envelope, payload: Buffer.from('v') };
}

describe('Caller: call with retries', () => {
  test('retries a retryable answer in process and reports the calls made', async () => {
    const fakes = new Fakes();
    const target = answers(503, 200);
    const result = await caller(fakes, target).call(fakes.context(envelopeAt(1)), loadedOf(), 0);
    assert.deepEqual(result, { kind: 'delivered', made: 2 });
    assert.equal(fakes.counts.get('mps.writer.failure.count'), 1);
  });

  test('stops at an answer not worth retrying', async () => {
    const fakes = new Fakes();
    const result = await caller(fakes, answers(400)).call(fakes.context(envelopeAt(1)), loadedOf(), 0);
    assert.equal(result.kind, 'failed');
    assert.equal(result.kind === 'failed' && result.error.stoppedBy, 'not-retryable');
    assert.equal(result.kind === 'failed' && result.last.status, 400);
  });

  test('never past retry.attempts in all', async () => {
    const fakes = new Fakes();
    const target = answers(503, 503, 503);
    const route = routeWith({ retry: { attempts: 8, inProcessAttempts: 3 } });
    const result = await caller(fakes, target, route).call(fakes.context(envelopeAt(1)), loadedOf(), 7);
    assert.equal(result.kind, 'failed');
    assert.equal(target.calls, 1);
  });

  test('no time left: back to the queue at once, uncalled', async () => {
    const fakes = new Fakes();
    const target = answers(200);
    await assert.rejects(
      caller(fakes, target).call(fakes.context(envelopeAt(1), { deadline: 0 }), loadedOf(), 0),
      (error) => error instanceof RetryLaterError && error.visibilitySeconds === 0,
    );
    assert.equal(target.calls, 0);
    assert.equal(fakes.sent[0]?.input.VisibilityTimeout, 0);
  });

  test("the bridge's own error (not an answer) is thrown, not judged", async () => {
    const fakes = new Fakes();
    await assert.rejects(
      caller(fakes, answers(new Error('secret unreadable'))).call(
        fakes.context(envelopeAt(1)),
        loadedOf(),
        0,
      ),
      /secret unreadable/,
    );
  });
});

function settler(fakes: Fakes, route = routeWith(), log = { added: 0, deleted: 0 }) {
  const visibility = new Visibility(fakes.sqs, 'queue-url', fakes.logger);
  const deadLetters = new DeadLetters({
    route,
    sqs: fakes.sqs,
    archive: fakes.archive,
    quarantine: fakes.quarantine,
    deadLetterQueueUrl: 'dlq-url',
    metrics: fakes.metrics,
    logger: fakes.logger,
    now: () => 5,
  });
  return new Settler({
    route,
    s3: {} as never,
    archive: fakes.archive,
    attemptLog: {
      add: async () => {
        log.added++;
      },
      delete: async () => {
        log.deleted++;
      },
    },
    deadLetters,
    visibility,
    policy,
    metrics: fakes.metrics,
    logger: fakes.logger,
    now: () => 5,
    random: () => 0,
  });
}

function failed(stoppedBy: 'exhausted' | 'not-retryable', status: number, calls: number) {
  const last = new DeliveryError(`HTTP ${status}`, { status, retryable: status >= 500 });
  const attempts = Array.from({ length: calls }, (_, i) => ({
    attempt: i + 1,
    startedAt: 0,
    endedAt: 1,
    error: last,
  }));
  return { kind: 'failed' as const, error: new RetryError(stoppedBy, attempts, last), last };
}

describe('Settler: settle failure and success', () => {
  test('a failure with attempts left is logged and goes back to the queue', async () => {
    const fakes = new Fakes();
    const log = { added: 0, deleted: 0 };
    const ctx = fakes.context(envelopeAt(1));
    await assert.rejects(
      settler(fakes, routeWith(), log).failure(
        ctx,
        loadedOf(),
        { count: 0, attempts: [] },
        failed('exhausted', 503, 3),
      ),
      RetryLaterError,
    );
    assert.equal(log.added, 1);
    assert.deepEqual(fakes.completions, []);
    assert.equal(fakes.sent.length, 1, 'one visibility change');
    // One reading of what happens: not "stoppedBy exhausted" beside "giveUp false".
    const details = (fakes.warnings[0]?.details ?? {}) as Record<string, unknown>;
    assert.equal(fakes.warnings[0]?.message, 'delivery failed');
    assert.deepEqual(
      [details.receiveEnded, details.next, details.maxAttempts],
      ['in-process attempts of this receive used', 'retry later', routeWith().retry.attempts],
    );
    assert.ok(!('giveUp' in details) && !('stoppedBy' in details));
  });

  test('a failure with its attempts spent is dead-lettered with every attempt, and the key quarantined', async () => {
    const fakes = new Fakes();
    const log = { added: 0, deleted: 0 };
    const ctx = fakes.context(envelopeAt(1), { receiveCount: 3 });
    const history = { count: 6, attempts: [] };
    const outcome = await settler(fakes, routeWith(), log).failure(
      ctx,
      loadedOf(),
      history,
      failed('exhausted', 503, 2),
    );
    assert.equal(outcome, 'dead-lettered');
    assert.equal((fakes.warnings[0]?.details as { next?: string } | undefined)?.next, 'dead-letter');
    assert.equal(fakes.archived[0]?.record.attemptCount, 8);
    assert.equal(fakes.completions[0]?.status, 'dead-lettered');
    assert.equal(ctx.batch.quarantined.get('k1')?.behind, 'orders/orders/0/1');
    assert.equal(log.deleted, 1);
  });

  test('success writes the completion with every attempt counted and forgets the attempt log', async () => {
    const fakes = new Fakes();
    const log = { added: 0, deleted: 0 };
    await settler(fakes, routeWith(), log).success(
      fakes.context(envelopeAt(1)),
      { count: 2, attempts: [] },
      1,
    );
    assert.equal(fakes.completions[0]?.status, 'delivered');
    assert.equal(fakes.completions[0]?.attempts, 3);
    assert.equal(log.deleted, 1);
  });

  test("a record that can never be delivered: dead-lettered, or back to the queue with onPoison 'block'", async () => {
    const fakes = new Fakes();
    const reason = new Error('schema');
    assert.equal(
      await settler(fakes).reject(fakes.context(envelopeAt(1)), 'schema', reason),
      'dead-lettered',
    );
    const blocked = new Fakes();
    await assert.rejects(
      settler(blocked, routeWith({ onPoison: 'block' })).reject(
        blocked.context(envelopeAt(1)),
        'schema',
        reason,
      ),
      RetryLaterError,
    );
    assert.deepEqual(blocked.completions, []);
  });

  test('park: archived as parked behind the dead letter, then completed', async () => {
    const fakes = new Fakes();
    const outcome = await settler(fakes).park(fakes.context(envelopeAt(2)), {
      groupId: 'k1',
      behind: 'orders/orders/0/1',
      since: 0,
    });
    assert.equal(outcome, 'parked');
    assert.deepEqual(fakes.steps, ['archive', 'completion']);
    assert.equal(fakes.archived[0]?.record.reason, 'behind orders/orders/0/1');
    assert.equal(fakes.completions[0]?.status, 'parked');
  });
});
