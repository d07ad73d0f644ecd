import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRetryAfter } from '../../../lib/retry/retry-after.ts';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0); // Mon, 23 Nov 2026 08:00:00 GMT

describe('parseRetryAfter', () => {
  test('reads delta-seconds as ms', () => {
    assert.equal(parseRetryAfter('120', NOW), 120_000);
    assert.equal(parseRetryAfter('0', NOW), 0);
    assert.equal(parseRetryAfter(' 5 ', NOW), 5_000);
    assert.equal(parseRetryAfter('1.5', NOW), 1_500);
  });

  test('treats a negative delay as "now"', () => {
    assert.equal(parseRetryAfter('-3', NOW), 0);
  });

  test('reads an IMF-fixdate, the form servers send', () => {
    assert.equal(parseRetryAfter('Mon, 23 Nov 2026 08:00:30 GMT', NOW), 30_000);
    assert.equal(parseRetryAfter('Tue, 24 Nov 2026 08:00:00 GMT', NOW), 86_400_000);
  });

  test('reads the obsolete RFC 850 and asctime forms', () => {
    assert.equal(parseRetryAfter('Monday, 23-Nov-26 08:01:00 GMT', NOW), 60_000);
    assert.equal(parseRetryAfter('Tue Dec  1 08:00:00 2026', NOW), 8 * 86_400_000);
    assert.equal(parseRetryAfter('Mon Nov 23 08:00:02 2026', NOW), 2_000);
  });

  test('reads a two-digit year more than 50 years ahead as the past century', () => {
    // "80" in 2026 is 1980, not 2080: long past, so no wait.
    assert.equal(parseRetryAfter('Sunday, 06-Nov-80 08:49:37 GMT', NOW), 0);
  });

  test('treats a date in the past as "now"', () => {
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW), 0);
    assert.equal(parseRetryAfter('Mon, 23 Nov 2026 07:59:59 GMT', NOW), 0);
  });

  test('returns undefined for an absent header and for garbage, including what Date.parse would accept', () => {
    for (const header of [
      undefined,
      null,
      '',
      '   ',
      'soon',
      '12abc',
      '1e3',
      '0x10',
      'Infinity',
      '1 2',
      '2026-11-23T08:00:30Z',
      '11/23/2026',
      'Mon, 23 Nov 2026 08:00:30',
      'Mon, 31 Feb 2026 08:00:30 GMT',
      'Mon, 23 Foo 2026 08:00:30 GMT',
      'Mon, 23 Nov 2026 25:00:30 GMT',
      '9'.repeat(400),
    ]) {
      assert.equal(parseRetryAfter(header, NOW), undefined, JSON.stringify(header));
    }
  });
});
