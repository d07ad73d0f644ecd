import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleAccess, SESSION_COOKIE } from '../../../lib/console/session.ts';

test('the token opens one session, once; the cookie is HttpOnly, SameSite=Strict and expires', () => {
  let now = 1_000;
  const access = new ConsoleAccess({ ttlMs: 60_000, now: () => now });
  assert.equal(access.exchange('wrong'), undefined);
  const session = access.exchange(access.token);
  assert.ok(session !== undefined);
  assert.equal(access.exchange(access.token), undefined, 'a used token opens nothing');
  const cookie = access.cookie(session);
  assert.match(
    cookie,
    new RegExp(`^${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=60$`),
  );
  assert.equal(access.valid(`other=1; ${SESSION_COOKIE}=${session}`), true);
  assert.equal(access.valid(`${SESSION_COOKIE}=${session}x`), false);
  assert.equal(access.valid(undefined), false);
  now += 60_000;
  assert.equal(access.valid(`${SESSION_COOKIE}=${session}`), false, 'expired');
});

test('an unused token expires too', () => {
  let now = 0;
  const access = new ConsoleAccess({ ttlMs: 1_000, now: () => now });
  now = 1_000;
  assert.equal(access.exchange(access.token), undefined);
});
