import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signatureOf, signRequest, verifySignature } from '../../../lib/deliver/signature.ts';

// Computed with openssl, independently of the code under test:
// printf '%s' '1763884800.{"hello":"world"}' | openssl dgst -sha256 -hmac 'secret-key'
const VECTOR = '5fb0aa2d72988621c4c15bce300d27c383b182372b627f2ca01d3d2cbbc7d9ca';
const BODY = '{"hello":"world"}';
const AT = 1_763_884_800_000;

describe('request signature', () => {
  test('is v1= and the hex HMAC-SHA256 of timestamp.body', () => {
    assert.equal(signatureOf('secret-key', '1763884800', BODY), `v1=${VECTOR}`);
    assert.equal(signatureOf('secret-key', '1763884800', Buffer.from(BODY)), `v1=${VECTOR}`);
  });

  test('signRequest gives the timestamp in whole seconds and its signature', () => {
    const headers = signRequest('secret-key', BODY, AT + 999);
    assert.deepEqual(headers, { 'x-bridge-timestamp': '1763884800', 'x-bridge-signature': `v1=${VECTOR}` });
  });

  test('verifies the right key, body and timestamp only', () => {
    const signature = `v1=${VECTOR}`;
    assert.ok(verifySignature('secret-key', '1763884800', BODY, signature, AT));
    assert.ok(!verifySignature('other-key', '1763884800', BODY, signature, AT));
    assert.ok(!verifySignature('secret-key', '1763884800', `${BODY} `, signature, AT));
    assert.ok(!verifySignature('secret-key', '1763884801', BODY, signature, AT));
    assert.ok(!verifySignature('secret-key', '1763884800', BODY, 'v1=00', AT));
  });

  test('rejects a timestamp outside the tolerance (a replayed request)', () => {
    const signature = `v1=${VECTOR}`;
    assert.ok(verifySignature('secret-key', '1763884800', BODY, signature, AT + 299_000));
    assert.ok(!verifySignature('secret-key', '1763884800', BODY, signature, AT + 301_000));
    assert.ok(!verifySignature('secret-key', 'not-a-number', BODY, signature, AT));
  });
});
