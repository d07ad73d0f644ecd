import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyStatus,
  DEFAULT_RETRYABLE_STATUSES,
  DEFAULT_SUCCESS_STATUSES,
  statusMatches,
} from '../../../lib/config/index.ts';
import { formatStatusRanges, overlappingStatuses } from '../../../lib/config/status.ts';

const defaults = { success: DEFAULT_SUCCESS_STATUSES, retryable: DEFAULT_RETRYABLE_STATUSES };

describe('response status patterns', () => {
  test('a code matches itself only; a class matches its hundred', () => {
    assert.equal(statusMatches(404, 404), true);
    assert.equal(statusMatches(404, 405), false);
    assert.equal(statusMatches('5xx', 500), true);
    assert.equal(statusMatches('5xx', 599), true);
    assert.equal(statusMatches('5xx', 499), false);
    assert.equal(statusMatches('2xx', 600), false);
  });

  test('by default: 2xx success; 408, 429 and 5xx retryable; other answers not retryable', () => {
    assert.equal(classifyStatus(defaults, 200), 'success');
    assert.equal(classifyStatus(defaults, 204), 'success');
    assert.equal(classifyStatus(defaults, 408), 'retryable');
    assert.equal(classifyStatus(defaults, 429), 'retryable');
    assert.equal(classifyStatus(defaults, 503), 'retryable');
    assert.equal(classifyStatus(defaults, 400), 'not-retryable');
    assert.equal(classifyStatus(defaults, 404), 'not-retryable');
    assert.equal(classifyStatus(defaults, 301), 'not-retryable');
  });

  test('overrides: 409 as success, 404 as retryable', () => {
    const responses = { success: ['2xx', 409] as const, retryable: [404, '5xx'] as const };
    assert.equal(classifyStatus(responses, 409), 'success');
    assert.equal(classifyStatus(responses, 404), 'retryable');
    assert.equal(classifyStatus(responses, 429), 'not-retryable');
  });

  test('overlaps are found and printed as ranges', () => {
    assert.deepEqual(overlappingStatuses(['2xx'], [408, 429, '5xx']), []);
    assert.equal(formatStatusRanges(overlappingStatuses(['4xx', '5xx'], [408, '5xx'])), '408, 500-599');
    assert.equal(formatStatusRanges([]), '');
  });
});
