import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryUnavailableError, SchemaNotFoundError } from '../../../lib/decode/index.ts';
import { type FetchedSchema, NOT_FOUND_TTL_MS, SchemaCache } from '../../../lib/decode/registry.ts';

/* The schema cache with a fake fetcher: what is fetched once, what is asked again. */

const SCHEMA: FetchedSchema = {
  format: 'json',
  definition: '{}',
  ref: { registry: 'confluent', id: 1, format: 'json' },
};

function fakeRegistry(answers: (id: number) => Promise<FetchedSchema>) {
  const calls: number[] = [];
  let now = 0;
  const cache = new SchemaCache<number>(
    (id) => {
      calls.push(id);
      return answers(id);
    },
    'confluent',
    () => now,
  );
  return { cache, calls, advance: (ms: number) => (now += ms) };
}

describe('SchemaCache', () => {
  test('a schema is fetched once, concurrent first uses included, and compiled', async () => {
    const { cache, calls } = fakeRegistry(async () => SCHEMA);
    const [a, b] = await Promise.all([cache.get(1), cache.get(1)]);
    await cache.get(1);
    assert.deepEqual(calls, [1]);
    assert.equal(a, b);
    assert.deepEqual(a.decode(Buffer.from('{"x":1}')), { x: 1 });
  });

  test('an unavailable registry is asked again on the next record', async () => {
    let up = false;
    const { cache, calls } = fakeRegistry(async () => {
      if (!up) throw new RegistryUnavailableError('down');
      return SCHEMA;
    });
    await assert.rejects(cache.get(1), RegistryUnavailableError);
    up = true;
    assert.equal((await cache.get(1)).ref, SCHEMA.ref);
    assert.deepEqual(calls, [1, 1]);
  });

  test('"not found" is kept for a while, then asked again (the schema may be registered since)', async () => {
    let registered = false;
    const { cache, calls, advance } = fakeRegistry(async () => {
      if (!registered) throw new SchemaNotFoundError('no id 1');
      return SCHEMA;
    });
    await assert.rejects(cache.get(1), SchemaNotFoundError);
    await assert.rejects(cache.get(1), SchemaNotFoundError);
    assert.deepEqual(calls, [1]);
    registered = true;
    advance(NOT_FOUND_TTL_MS + 1);
    assert.equal((await cache.get(1)).ref, SCHEMA.ref);
    assert.deepEqual(calls, [1, 1]);
  });
});
