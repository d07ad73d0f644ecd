// Each kind of item in the completions table has its own key space (lib/completion/table.ts):
// whatever a route is called, the partition keys its modules grant (their exported TableAccess,
// the same the CDK construct turns into dynamodb:LeadingKeys conditions) never match a key of
// another route, of any kind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TableAccess } from '../../../lib/aws/access.ts';
import { BREAKER_ACCESS } from '../../../lib/breaker/breaker.ts';
import { migratedKey } from '../../../lib/cli/migrate-keys.ts';
import { LEASE_ACCESS } from '../../../lib/commit/lease.ts';
import { LEDGER_ACCESS } from '../../../lib/completion/ledger.ts';
import { COMPLETION_ACCESS } from '../../../lib/completion/store.ts';
import { parseRouteItemKey, routeItemKey, TABLE_ITEM_KINDS } from '../../../lib/completion/table.ts';
import { ATTEMPT_LOG_ACCESS } from '../../../lib/deliver/attempt-log.ts';
import { QUARANTINE_ACCESS } from '../../../lib/quarantine/quarantine.ts';
import { wildcardMatch } from '../../support/iam/policy.ts';

const ACCESSES: Record<string, TableAccess> = {
  ...Object.fromEntries(Object.entries(COMPLETION_ACCESS).map(([k, v]) => [`completion.${k}`, v])),
  ...Object.fromEntries(Object.entries(LEDGER_ACCESS).map(([k, v]) => [`ledger.${k}`, v])),
  ...Object.fromEntries(Object.entries(QUARANTINE_ACCESS).map(([k, v]) => [`quarantine.${k}`, v])),
  lease: LEASE_ACCESS,
  breaker: BREAKER_ACCESS,
  attempts: ATTEMPT_LOG_ACCESS,
};

// Hostile names: every kind tag, and names that start like another route's.
const ROUTES = [...TABLE_ITEM_KINDS, 'orders', 'orders-eu', 'entries-lease'];

/** Every key shape a route's items can have: each kind, bare and with a topic and partition. */
const keysOf = (route: string): string[] =>
  TABLE_ITEM_KINDS.flatMap((kind) => [routeItemKey(kind, route), routeItemKey(kind, route, 'orders', 0)]);

describe('table key spaces', () => {
  test('no route pattern of any store reaches a key of another route', () => {
    for (const [name, access] of Object.entries(ACCESSES)) {
      for (const route of ROUTES) {
        for (const pattern of access.leadingKeys(route)) {
          for (const other of ROUTES.filter((r) => r !== route)) {
            for (const key of keysOf(other)) {
              assert.equal(
                wildcardMatch(pattern, key),
                false,
                `${name} of route ${route}: ${pattern} matches ${key}`,
              );
            }
          }
        }
      }
    }
  });

  test("a key's kind and route come back from it, and no two (kind, route) pairs share a key", () => {
    const seen = new Map<string, string>();
    for (const route of ROUTES) {
      for (const kind of TABLE_ITEM_KINDS) {
        const key = routeItemKey(kind, route);
        assert.deepEqual(parseRouteItemKey(key), { kind, route, more: [] });
        assert.equal(seen.get(key), undefined, `${key} twice`);
        seen.set(key, `${kind}/${route}`);
      }
    }
  });

  test('a part that could reach further (#, *, ?) is refused', () => {
    for (const part of ['a#b', 'a*', 'a?', '']) {
      assert.throws(() => routeItemKey('lease', part), /must be non-empty without/);
      assert.throws(() => routeItemKey('attempts', 'orders', part), /must be non-empty without/);
    }
  });
});

describe('migrate-keys', () => {
  const routes = new Set(['orders', 'lease', 'entries']);
  test('old entries and completions move to their kind-tagged keys', () => {
    assert.deepEqual(migratedKey(routes, { pk: 'orders#entries', sk: '0001700000000#ab' }), {
      route: 'orders',
      kind: 'entries',
      pk: 'entries#orders',
    });
    assert.deepEqual(migratedKey(routes, { pk: 'orders#t#3', sk: '0'.repeat(19) }), {
      route: 'orders',
      kind: 'completion',
      pk: 'completion#orders#t#3',
    });
  });

  test('items that kept their keys, and state items that look like old entries, stay', () => {
    // Route entries's state item is `lease#entries`, like route lease's old entries key.
    assert.equal(migratedKey(routes, { pk: 'lease#entries', sk: 'lease' }), undefined);
    assert.equal(migratedKey(routes, { pk: 'quarantine#orders', sk: 'group' }), undefined);
    assert.equal(migratedKey(routes, { pk: 'attempts#orders#t#0', sk: '0'.repeat(19) }), undefined);
    assert.equal(migratedKey(routes, { pk: 'gone#t#0', sk: '0'.repeat(19) }), undefined);
  });
});
