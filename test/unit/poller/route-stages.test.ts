// The stages a route's config builds (route-stages.ts), over a fake Confluent registry (a fetch
// that answers from a map): what each decode failure becomes, and what the filter sees.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { createRegistryClients } from '../../../lib/decode/index.ts';
import { routeStages } from '../../../lib/poller/route-stages.ts';
import { type PolledRecord, runStages } from '../../../lib/poller/stages.ts';
import { pollerRoute } from './fakes.ts';

const URL_BASE = 'https://registry.example.com';
const JSON_SCHEMA = { schema: '{"type":"object"}', schemaType: 'JSON' };

/** A registry knowing schema id 1; `down` makes it fail like a network fault. */
function registry() {
  const state = { down: false, calls: 0 };
  const fetch = (async (url: string) => {
    state.calls++;
    if (state.down) throw new TypeError('fetch failed');
    const known = url.endsWith('/schemas/ids/1');
    return new Response(JSON.stringify(known ? JSON_SCHEMA : { error_code: 40403 }), {
      status: known ? 200 : 404,
    });
  }) as typeof globalThis.fetch;
  return { state, clients: () => createRegistryClients({ fetch }) };
}

function framed(id: number, json: unknown): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, Buffer.from(JSON.stringify(json))]);
}

function polled(value: Buffer | null, key: Buffer | null = Buffer.from('k'), offset = 0n): PolledRecord {
  const message = { offset: String(offset), key, value, timestamp: '0', attributes: 0, headers: {} };
  return { topic: 'orders', partition: 0, offset, message: message as KafkaMessage };
}

const decodeRoute = (more: Record<string, unknown> = {}) =>
  pollerRoute({ decode: { registry: { type: 'confluent', url: URL_BASE } }, ...more });

describe('routeStages', () => {
  test('a route with neither decode nor filter has no stage at all', () => {
    const r = registry();
    const stages = routeStages(pollerRoute(), () =>
      assert.fail('no registry for a route that does not decode'),
    );
    assert.deepEqual(Object.keys(stages), []);
    assert.equal(r.state.calls, 0);
  });

  test('a decoded record goes on with its JSON and schema; the filter sees the decoded value', async () => {
    const r = registry();
    const stages = routeStages(
      decodeRoute({ filter: { value: { total: [{ numeric: ['>', 10] }] } } }),
      r.clients,
    );
    const kept = await runStages(stages, polled(framed(1, { total: 12 })));
    assert.equal(kept.kind, 'forward');
    assert.deepEqual(kept.kind === 'forward' && kept.record.decoded, {
      value: { total: 12 },
      schema: { registry: 'confluent', id: 1, format: 'json' },
    });
    assert.deepEqual(await runStages(stages, polled(framed(1, { total: 3 }))), { kind: 'filtered' });
    assert.equal(r.state.calls, 1, 'the schema is fetched once');
  });

  test('keys are decoded when the route asks', async () => {
    const r = registry();
    const stages = routeStages(
      pollerRoute({ decode: { registry: { type: 'confluent', url: URL_BASE }, key: true } }),
      r.clients,
    );
    const result = await runStages(stages, polled(framed(1, { n: 1 }), framed(1, { customer: 'acme' })));
    assert.equal(result.kind === 'forward' && result.record.decoded?.key !== undefined, true);
    assert.deepEqual(result.kind === 'forward' && result.record.decoded?.key, { customer: 'acme' });
  });

  test('an unknown schema id and bytes that do not decode are dead-lettered with their reasons', async () => {
    const r = registry();
    const stages = routeStages(decodeRoute({ filter: { value: { never: ['x'] } } }), r.clients);
    const unknown = await runStages(stages, polled(framed(99, {})));
    assert.equal(unknown.kind === 'forward' && unknown.record.deadLetter?.reason, 'schema-not-found');
    const corrupt = await runStages(stages, polled(Buffer.from('not framed')));
    assert.equal(corrupt.kind === 'forward' && corrupt.record.deadLetter?.reason, 'deserialization-error');
  });

  test('a registry that does not answer holds, for longer each time, and the first answer resets it', async () => {
    const r = registry();
    const stages = routeStages(decodeRoute(), r.clients);
    r.state.down = true;
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const held = await runStages(stages, polled(framed(1, {})));
      assert.equal(held.kind, 'hold');
      if (held.kind === 'hold') waits.push(held.retryAfterMs);
    }
    assert.deepEqual(waits, [500, 1000, 2000]);
    r.state.down = false;
    assert.equal((await runStages(stages, polled(framed(1, {})))).kind, 'forward');
    r.state.down = true;
    // A cached schema needs no registry: take an id not seen yet.
    const again = await runStages(stages, polled(framed(2, {})));
    assert.deepEqual(again.kind === 'hold' && again.retryAfterMs, 500);
  });
});
