import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqsAttributeText } from '../../../lib/deliver/sqs-text.ts';

test('characters SQS refuses are escaped; what it takes passes; a cut never splits a surrogate pair', () => {
  assert.equal(sqsAttributeText('a\u001b]8;;x\u0007\u0000b', 100), 'a\\x1b]8;;x\\x07\\x00b');
  assert.equal(sqsAttributeText('tab\tnl\ncr\r é 東 😀', 100), 'tab\tnl\ncr\r é 東 😀');
  assert.equal(sqsAttributeText('lone \ud800 surrogate', 100), 'lone \\ud800 surrogate');
  assert.equal(sqsAttributeText('\ufffe', 100), '\\ufffe');
  assert.equal(sqsAttributeText('ab😀', 3), 'ab');
});
