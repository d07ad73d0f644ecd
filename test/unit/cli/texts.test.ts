import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attemptsText, replayText } from '../../../lib/cli/texts.ts';

/* The CLI's text for people where the issue found it saying the opposite of its own rows. */

describe('replay header', () => {
  const preview = {
    route: 'orders',
    records: [
      { recordId: 'orders/orders/0/7', key: 'k1', outcome: 'would-send' as const },
      { recordId: 'orders/orders/0/9', key: 'k1', outcome: 'would-send' as const },
    ],
    lifted: [],
    stillQuarantined: [],
    removedFromDlq: 0,
  };

  test('a dry run says what would be replayed, never "0 record(s) replayed" above would-send rows', () => {
    const text = replayText(preview, true);
    assert.match(
      text.split('\n')[0] ?? '',
      /^route orders: dry run, nothing changed: 2 record\(s\) would be replayed$/,
    );
    assert.doesNotMatch(text, /0 record\(s\) replayed/);
    assert.match(text, /would-send/);
  });

  test('a real replay counts the records sent', () => {
    const sent = {
      ...preview,
      records: preview.records.map((r, i) => ({
        ...r,
        outcome: 'sent' as const,
        deduplicationId: `d${i}#replay-1`,
      })),
      removedFromDlq: 1,
    };
    assert.match(replayText(sent), /^route orders: 2 record\(s\) replayed, 1 removed from the DLQ/);
  });
});

describe('trace attempts', () => {
  test('a delivered record never shows "attempts 0"', () => {
    assert.match(attemptsText({ attemptCount: 0, state: 'delivered' }), /^at least 1 /);
    assert.match(attemptsText({ attemptCount: 0, state: 'delivered-and-committed' }), /^at least 1 /);
    assert.equal(attemptsText({ attemptCount: 3, state: 'delivered' }), '3');
    assert.equal(attemptsText({ attemptCount: 0, state: 'in-flight' }), '0');
  });
});
