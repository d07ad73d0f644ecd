import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpointUrlProblem, isLocalHost } from '../../../lib/config/index.ts';

describe('endpoint URL rules', () => {
  test('https to any host is accepted', () => {
    for (const url of [
      'https://orders.example.com/kafka',
      'https://10.0.0.5:8443/x?y=1',
      'https://[2001:db8::1]/x',
    ]) {
      assert.equal(endpointUrlProblem(url), undefined, url);
    }
  });

  test('http is accepted for localhost, 127.0.0.0/8 and ::1 (local mode)', () => {
    for (const url of [
      'http://localhost:8787/orders',
      'http://127.0.0.1:8787/orders',
      'http://127.10.20.30/orders',
      'http://[::1]:8787/orders',
      'http://LOCALHOST/orders',
    ]) {
      assert.equal(endpointUrlProblem(url), undefined, url);
    }
  });

  test('http is rejected for every other host, including private and look-alike ones', () => {
    for (const url of [
      'http://orders.example.com/',
      'http://10.0.0.5/',
      'http://128.0.0.1/',
      'http://localhost.example.com/',
      'http://127.0.0.1.nip.io/',
      'http://[::2]/',
      'http://0.0.0.0/',
    ]) {
      assert.match(endpointUrlProblem(url) ?? '', /must use https:\/\//, url);
    }
  });

  test('credentials are rejected, user alone too, over https and http alike', () => {
    for (const url of [
      'https://u:p@orders.example.com/',
      'https://token@orders.example.com/',
      'http://u:p@127.0.0.1/',
    ]) {
      assert.match(endpointUrlProblem(url) ?? '', /credentials/, url);
    }
  });

  test('isLocalHost takes the hostname as URL parsing normalises it', () => {
    assert.equal(isLocalHost(new URL('http://127.1/').hostname), true);
    assert.equal(isLocalHost(new URL('http://[0:0:0:0:0:0:0:1]/').hostname), true);
    assert.equal(isLocalHost('example.com'), false);
  });
});
