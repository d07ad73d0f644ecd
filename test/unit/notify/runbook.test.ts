// The runbook the notifier links to. That each alarm of the stack has its section is checked on
// the synthesized alarms (synthesized-alarms.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUNBOOK_ANCHORS } from '../../../lib/notify/runbook.ts';
import { githubAnchor, runbookAnchors } from '../../support/runbook-anchors.ts';

test('every runbook section the notifier links to exists in docs/runbook.md', () => {
  // Prepare
  const anchors = runbookAnchors();
  // Act
  const missing = RUNBOOK_ANCHORS.filter((anchor) => !anchors.has(anchor));
  // Assess
  assert.deepEqual(missing, []);
});

test('the anchor rule matches GitHub on headings with punctuation', () => {
  assert.equal(githubAnchor('Dead-letter summaries'), 'dead-letter-summaries');
  assert.equal(githubAnchor('DLQ not empty'), 'dlq-not-empty');
  assert.equal(githubAnchor("What's next?"), 'whats-next');
});
