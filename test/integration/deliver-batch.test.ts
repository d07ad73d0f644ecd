// Batched calls (deliver.batch, docs/deliver.md): the deliverer as Lambda runs it (ElasticMQ,
// moto) against a real local endpoint that reads the documented body and answers with the
// documented partial-failure list.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DeliverWorld, deliverWorld, routeUnderTest } from '../support/deliver-route.ts';
import type { ReceivedRequest } from '../support/endpoint.ts';

let world: DeliverWorld;
before(async () => {
  world = await deliverWorld();
});
after(() => world.close());

interface Item {
  readonly idempotencyKey: string;
  readonly key: string;
  readonly offset: string;
  readonly value: string;
}

/** The records of a batched call's body, as an endpoint reads them. */
function itemsOf(request: ReceivedRequest): Item[] {
  const body = JSON.parse(request.body.toString('utf8')) as {
    idempotencyKey: string;
    key: string;
    offset: string;
    value: { inline: string };
  }[];
  assert.ok(Array.isArray(body), 'the body is a JSON array of envelopes');
  return body.map((item) => ({
    idempotencyKey: item.idempotencyKey,
    key: Buffer.from(item.key, 'base64').toString('utf8'),
    offset: item.offset,
    value: Buffer.from(item.value.inline, 'base64').toString('utf8'),
  }));
}

const batch = (maxRecords: number) => ({ overrides: { deliver: { batch: { maxRecords } } } });

describe('deliver.batch', () => {
  test("one call carries the records of a batch, each with its idempotency key; a key's records in offset order", async () => {
    const r = await routeUnderTest(world, () => ({ status: 200 }), batch(10));
    try {
      // Five keys, two records each, interleaved as a partition holds them.
      for (let offset = 0; offset < 10; offset++) await r.send(`k${offset % 5}`, offset);
      r.runner.start();
      for (let offset = 0; offset < 10; offset++)
        assert.equal((await r.finished(offset)).status, 'delivered');
      // One receive holds the ten messages; the five groups' first records reach the target in
      // the same turn of the event loop (nothing between receive and call waits on I/O here),
      // so the calls carry 5 and 5 records under any load: the 5 ms linger is not raced.
      const calls = r.endpoint.received.map(itemsOf);
      const sizes = calls.map((c) => c.length).join(', ');
      const items = calls.flat();
      assert.equal(items.length, 10, 'each record sent once');
      assert.ok(calls.length < 10, `fewer calls than records: ${sizes}`);
      assert.ok(
        calls.some((call) => call.length > 1),
        `a call with several records: ${sizes}`,
      );
      for (const item of items) {
        assert.equal(item.idempotencyKey, `${r.route.name}/orders/0/${item.offset}`);
        assert.equal(item.value, `value ${item.key}/${item.offset}`);
      }
      for (let k = 0; k < 5; k++) {
        const offsets = items.filter((item) => item.key === `k${k}`).map((item) => Number(item.offset));
        assert.deepEqual(offsets, [k, k + 5], `key k${k} in offset order`);
      }
      assert.equal(r.endpoint.received[0]?.headers['x-bridge-batch-size'], String(calls[0]?.length));
      assert.deepEqual(r.errors, []);
    } finally {
      await r.stop();
    }
  });

  test("a partial failure: the listed record and its key's later records come back; a listed 422 is dead-lettered; the rest complete once", async () => {
    // `flaky` fails once (listed without a status: retryable); `bad` is listed with 422.
    let flakyFailed = false;
    const r = await routeUnderTest(
      world,
      (request) => {
        const failures = itemsOf(request)
          .map((item) => {
            if (item.key === 'flaky' && !flakyFailed) {
              flakyFailed = true;
              return { itemIdentifier: item.idempotencyKey };
            }
            return item.key === 'bad' ? { itemIdentifier: item.idempotencyKey, status: 422 } : undefined;
          })
          .filter((failure) => failure !== undefined);
        return { status: 200, body: JSON.stringify({ batchItemFailures: failures }) };
      },
      { ...batch(10), overrides: { ...batch(10).overrides, onPoison: 'dlq' } },
    );
    try {
      const keys = ['flaky', 'ok1', 'bad', 'ok2', 'flaky', 'ok1'];
      for (const [offset, key] of keys.entries()) await r.send(key, offset);
      r.runner.start();
      const outcomes = [];
      for (let offset = 0; offset < keys.length; offset++) outcomes.push((await r.finished(offset)).status);
      assert.deepEqual(outcomes, [
        'delivered',
        'delivered',
        'dead-lettered',
        'delivered',
        'delivered',
        'delivered',
      ]);
      const items = r.endpoint.received.flatMap(itemsOf);
      const sent = (offset: number) => items.filter((item) => item.offset === String(offset)).length;
      assert.equal(sent(0), 2, 'flaky/0 failed once, then delivered');
      assert.equal(sent(4), 1, 'flaky/4 was held back behind flaky/0, never sent before it succeeded');
      const flakyOrder = items.filter((item) => item.key === 'flaky').map((item) => item.offset);
      assert.deepEqual(flakyOrder, ['0', '0', '4']);
      for (const offset of [1, 3, 5]) assert.equal(sent(offset), 1, `offset ${offset} completed once`);
      assert.equal(sent(2), 1, 'a 422 is not retried');
      assert.deepEqual(r.errors, []);
    } finally {
      await r.stop();
    }
  });

  test('a whole-call failure (503) fails every record of the call; they come back and are delivered', async () => {
    let calls = 0;
    const r = await routeUnderTest(
      world,
      () => (++calls === 1 ? { status: 503 } : { status: 200 }),
      batch(10),
    );
    try {
      for (let offset = 0; offset < 4; offset++) await r.send(`k${offset}`, offset);
      r.runner.start();
      for (let offset = 0; offset < 4; offset++) assert.equal((await r.finished(offset)).status, 'delivered');
      const items = r.endpoint.received.flatMap(itemsOf);
      const first = itemsOf(r.endpoint.received[0] as ReceivedRequest).map((item) => item.offset);
      for (const offset of first) assert.equal(items.filter((item) => item.offset === offset).length, 2);
    } finally {
      await r.stop();
    }
  });
});
