import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renewAfterMs, TOKEN_RENEW_MARGIN_MS, TokenError } from '../../../lib/deliver/oauth2.ts';

describe('OAuth2 token lifetime', () => {
  test('an hour token is used until a minute before it expires; a short one until 90% of its life', () => {
    assert.equal(renewAfterMs(3_600_000), 3_600_000 - TOKEN_RENEW_MARGIN_MS);
    assert.equal(renewAfterMs(3_000), 2_700);
    assert.ok(renewAfterMs(1) > 0);
  });

  test('a token endpoint failure is retryable, never a delivery answer', () => {
    const error = new TokenError('token endpoint http://127.0.0.1:1 answered 503');
    assert.equal(error.retryable, true);
    assert.equal(error.name, 'TokenError');
  });
});
