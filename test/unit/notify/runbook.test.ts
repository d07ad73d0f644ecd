import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RUNBOOK_ANCHORS } from '../../../lib/notify/runbook.ts';

/** GitHub's heading anchors: lowercase, punctuation other than '-' and '_' dropped, spaces to '-'. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function runbookAnchors(): Set<string> {
  const text = readFileSync(new URL('../../../docs/runbook.md', import.meta.url), 'utf8');
  const headings = [...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1] ?? '');
  return new Set(headings.map(githubAnchor));
}

test('every runbook section the notifier links to exists in docs/runbook.md', () => {
  // Prepare
  const anchors = runbookAnchors();
  // Act
  const missing = RUNBOOK_ANCHORS.filter((anchor) => !anchors.has(anchor));
  // Assess
  assert.deepEqual(missing, []);
});

test('the runbook covers each alarm of the stack', () => {
  const anchors = runbookAnchors();
  for (const anchor of [
    'dlq-not-empty',
    'oldest-message-age',
    'commit-lag-rising',
    'deliver-errors',
    'poller-heartbeat-missing',
    'stuck-partition',
  ]) {
    assert.ok(anchors.has(anchor), `no section #${anchor}`);
  }
});

test('the anchor rule matches GitHub on headings with punctuation', () => {
  assert.equal(githubAnchor('Dead-letter summaries'), 'dead-letter-summaries');
  assert.equal(githubAnchor('DLQ not empty'), 'dlq-not-empty');
  assert.equal(githubAnchor("What's next?"), 'whats-next');
});
