import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { assertRejected, config, route } from './support.ts';

describe('route.filter', () => {
  test('one pattern or a list is kept as written', () => {
    const one = { value: { type: ['created'] } };
    const list = [one, { key: [{ prefix: 'vip-' }] }];
    assert.deepEqual(parseBridgeConfig(config([route({ filter: one })])).routes[0]?.filter, one);
    assert.deepEqual(parseBridgeConfig(config([route({ filter: list })])).routes[0]?.filter, list);
  });

  test('an invalid pattern names the route and the pattern part', () => {
    assertRejected(config([route({ filter: [{ key: ['a'] }, { headers: { tenant: [{ prefix: 7 }] } }] })]), {
      route: 'orders',
      field: 'routes[orders].filter[1].headers.tenant[0].prefix',
      message: /takes a string/,
    });
  });

  test('a field other than key, headers and value is a typo, not a filter that never matches', () => {
    assertRejected(config([route({ filter: { body: { a: [1] } } })]), {
      route: 'orders',
      field: 'routes[orders].filter.body',
      message: /key, headers or value/,
    });
  });

  test('neither an object nor a list, or an empty list', () => {
    for (const filter of ['type = created', []]) {
      assertRejected(config([route({ filter })]), { route: 'orders', field: 'routes[orders].filter' });
    }
  });

  test('defaults cannot hold a filter: it is per route', () => {
    assertRejected(config([route()], { defaults: { filter: { key: ['a'] } } }), { field: 'defaults.filter' });
  });
});
