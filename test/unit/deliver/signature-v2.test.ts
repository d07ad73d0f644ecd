import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { verifyBridgeRequest } from '../../../docs/examples/verify-signature.ts';
import { SecretError } from '../../../lib/aws/secrets.ts';
import { verifySignature } from '../../../lib/deliver/signature.ts';
import {
  SIGNATURE_V2_HEADER,
  type SignedRequest,
  signHeaders,
  signingKeys,
  verifySignatureV2,
} from '../../../lib/deliver/signature-v2.ts';

const AT = 1_763_884_800_000;
const OLD = { id: '2026-11', secret: 'old-secret-0123456789' };
const NEW = { id: '2026-12', secret: 'new-secret-0123456789' };
const REQUEST: SignedRequest = {
  method: 'POST',
  url: 'https://orders.example.com/kafka/in?team=a',
  headers: {
    'idempotency-key': 'orders/orders/0/7',
    'x-kafka-key': 'azE=',
    'x-kafka-offset': '7',
    'content-type': 'application/octet-stream',
  },
  body: '{"hello":"world"}',
};

/** What the endpoint receives: the request and the bridge's signing headers. */
function received(keys = [NEW, OLD], request = REQUEST, v1 = false) {
  const headers = { ...request.headers, ...signHeaders(keys, request, AT, { v1 }) };
  return {
    ...request,
    headers,
    timestamp: headers['x-bridge-timestamp'] ?? '',
    signature: headers[SIGNATURE_V2_HEADER] ?? '',
  };
}

describe('request signature v2', () => {
  test('verifies with either key during a rotation, and with the new key alone after it', () => {
    const got = received();
    assert.match(got.signature, /^2026-12=[0-9a-f]{64}, 2026-11=[0-9a-f]{64}$/);
    assert.ok(verifySignatureV2({ '2026-11': OLD.secret }, got, AT), 'an endpoint not rotated yet');
    assert.ok(verifySignatureV2({ '2026-12': NEW.secret }, got, AT), 'an endpoint rotated already');
    assert.ok(verifySignatureV2({ '2026-12': NEW.secret }, received([NEW]), AT));
    assert.ok(
      !verifySignatureV2({ '2026-11': OLD.secret }, received([NEW]), AT),
      'the retired key no longer verifies',
    );
    assert.ok(!verifySignatureV2({ '2026-12': 'another-secret-000000' }, got, AT));
    assert.ok(!verifySignatureV2({ __proto__: NEW.secret } as Record<string, string>, got, AT));
  });

  test('covers method, path and query, timestamp, the coordinate headers and the body', () => {
    const got = received();
    const keys = { '2026-12': NEW.secret };
    assert.ok(!verifySignatureV2(keys, { ...got, method: 'PUT' }, AT));
    assert.ok(!verifySignatureV2(keys, { ...got, url: 'https://orders.example.com/kafka/in?team=b' }, AT));
    assert.ok(!verifySignatureV2(keys, { ...got, url: 'https://orders.example.com/other?team=a' }, AT));
    assert.ok(!verifySignatureV2(keys, { ...got, headers: { ...got.headers, 'x-kafka-offset': '8' } }, AT));
    assert.ok(!verifySignatureV2(keys, { ...got, headers: { ...got.headers, 'idempotency-key': 'x' } }, AT));
    assert.ok(!verifySignatureV2(keys, { ...got, body: `${String(got.body)} ` }, AT));
    assert.ok(!verifySignatureV2(keys, got, AT + 301_000), 'too old');
    assert.ok(
      verifySignatureV2(keys, { ...got, headers: { ...got.headers, 'content-type': 'text/plain' } }, AT),
    );
  });

  test('v1 is sent, with the first key, only when the route asks for it (endpoint.signingV1)', () => {
    assert.equal(received().headers['x-bridge-signature'], undefined);
    const got = received([NEW, OLD], REQUEST, true);
    assert.ok(
      verifySignature(NEW.secret, got.timestamp, REQUEST.body, got.headers['x-bridge-signature'] ?? '', AT),
    );
  });

  test('signing secrets: a plain string is key "default"; a key list is checked without quoting it', () => {
    assert.deepEqual(signingKeys('s', 'plain'), [{ id: 'default', secret: 'plain' }]);
    assert.deepEqual(signingKeys('s', JSON.stringify({ keys: [NEW, OLD] })), [NEW, OLD]);
    assert.throws(
      () => signingKeys('s', JSON.stringify({ keys: [NEW, OLD, { id: 'x', secret: 'y'.repeat(16) }] })),
      SecretError,
    );
    assert.throws(
      () => signingKeys('s', JSON.stringify({ keys: [{ id: 'a b', secret: 'leaky-secret-value-1' }] })),
      (error: Error) => error instanceof SecretError && !error.message.includes('leaky'),
    );
  });

  test('the Python verifier of docs/examples agrees with the signer', () => {
    const got = received();
    const run = (request: ReturnType<typeof received>) =>
      execFileSync('python3', ['docs/examples/verify_signature.py'], {
        input: JSON.stringify({
          keys: { '2026-11': OLD.secret },
          method: request.method,
          path: '/kafka/in?team=a',
          headers: request.headers,
          body_base64: Buffer.from(request.body).toString('base64'),
          now: AT / 1000,
        }),
      })
        .toString()
        .trim();
    assert.equal(run(got), 'valid');
    assert.equal(run({ ...got, body: `${String(got.body)} ` }), 'invalid');
    assert.equal(run({ ...got, headers: { ...got.headers, 'x-kafka-offset': '9' } }), 'invalid');
  });

  test('the TypeScript verifier of docs/examples agrees with the signer', () => {
    const got = received();
    const body = Buffer.from(got.body);
    const keys = { '2026-12': NEW.secret };
    assert.ok(verifyBridgeRequest(keys, 'POST', '/kafka/in?team=a', got.headers, body, AT / 1000));
    assert.ok(!verifyBridgeRequest(keys, 'POST', '/kafka/in?team=b', got.headers, body, AT / 1000));
    assert.ok(
      !verifyBridgeRequest(keys, 'POST', '/kafka/in?team=a', got.headers, Buffer.from('x'), AT / 1000),
    );
    assert.ok(
      !verifyBridgeRequest({ other: NEW.secret }, 'POST', '/kafka/in?team=a', got.headers, body, AT / 1000),
    );
  });
});
