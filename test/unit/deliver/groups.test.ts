import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runGroups } from '../../../lib/deliver/groups.ts';
import { sqsRecord } from './fakes.ts';

function batch(groups: string): ReturnType<typeof sqsRecord>[] {
  // One record per letter, the letter its group: "aab" is a1, a2, b1.
  const seen = new Map<string, number>();
  return [...groups].map((group) => {
    const n = (seen.get(group) ?? 0) + 1;
    seen.set(group, n);
    return { ...sqsRecord('{}', group), messageId: `${group}${n}` };
  });
}

describe('runGroups', () => {
  test('each group in order, at most `inParallel` handlers at once, and they do overlap', async () => {
    let now = 0;
    let most = 0;
    const order: string[] = [];
    const run = await runGroups(batch('aabbccddab'), 3, async (record) => {
      now++;
      most = Math.max(most, now);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(record.messageId);
      now--;
    });
    assert.deepEqual(run, { failed: [], skipped: [] });
    assert.equal(most, 3);
    for (const group of 'abcd') {
      const mine = order.filter((id) => id.startsWith(group));
      assert.deepEqual(mine, [...mine].sort(), `group ${group} in order`);
    }
  });

  test('a failure holds back the rest of its group only', async () => {
    const called: string[] = [];
    const run = await runGroups(batch('aaabb'), 2, async (record) => {
      called.push(record.messageId);
      if (record.messageId === 'a2') throw new Error('retry later');
    });
    assert.deepEqual(run, { failed: ['a2'], skipped: ['a3'] });
    assert.deepEqual(called.sort(), ['a1', 'a2', 'b1', 'b2']);
  });

  test('one at a time with inParallel 1', async () => {
    let now = 0;
    let most = 0;
    await runGroups(batch('abcabc'), 1, async () => {
      now++;
      most = Math.max(most, now);
      await new Promise((resolve) => setImmediate(resolve));
      now--;
    });
    assert.equal(most, 1);
  });
});
