import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkErrorClass } from '../../../lib/deliver/network-error.ts';

test("fetch's own text never comes through: an invalid header value is a class, not a quote", async () => {
  const error = await fetch('http://127.0.0.1:9/', {
    headers: { authorization: 'Bearer t0p\r\nsecret' },
  }).then(
    () => assert.fail('fetch should refuse the header'),
    (caught: unknown) => caught,
  );
  assert.match(String(error), /t0p|secret|header/i, 'fetch itself quotes or names the header');
  const text = networkErrorClass(error);
  assert.match(text, /^invalid (request|header)/);
  assert.doesNotMatch(text, /t0p|secret/);
});

test('socket errors keep their code, mapped to a class; codes that are not codes are dropped', () => {
  const wrapped = (code: unknown) =>
    new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code }) });
  assert.equal(networkErrorClass(wrapped('ECONNRESET')), 'connection reset or closed (ECONNRESET)');
  assert.equal(networkErrorClass(wrapped('CERT_HAS_EXPIRED')), 'TLS error (CERT_HAS_EXPIRED)');
  assert.equal(networkErrorClass(wrapped('UND_ERR_CONNECT_TIMEOUT')), 'timeout (UND_ERR_CONNECT_TIMEOUT)');
  assert.equal(networkErrorClass(wrapped('EWHATEVER')), 'network error (EWHATEVER)');
  assert.equal(networkErrorClass(wrapped('Bearer secret\r\n')), 'network error');
});
