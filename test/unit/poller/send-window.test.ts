import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OutgoingMessage } from '../../../lib/poller/send-plan.ts';
import { SendWindow } from '../../../lib/poller/send-window.ts';

function message(offset: number, groupId: string): OutgoingMessage {
  return {
    id: String(offset),
    groupId,
    deduplicationId: String(offset),
    body: 'x',
    bytes: 1,
    offset: BigInt(offset),
    from: BigInt(offset),
  };
}

/** A window whose sends end when the test says so; `log` tells what started and settled. */
function controlled(maxConcurrent = 4) {
  const log: string[] = [];
  const finish = new Map<string, () => void>();
  const window = new SendWindow({
    maxConcurrent,
    send: (messages) => {
      const name = messages.map((m) => m.offset).join(',');
      log.push(`send ${name}`);
      return new Promise<void>((resolve) => finish.set(name, resolve));
    },
    settled: async (messages) => {
      log.push(`settled ${messages.map((m) => m.offset).join(',')}`);
    },
  });
  return { window, log, finish: (name: string) => finish.get(name)?.() };
}

async function sendAlone(window: SendWindow, messages: OutgoingMessage[]): Promise<void> {
  for (const m of messages) window.push(m);
  await window.flush();
}

describe('SendWindow', () => {
  test('calls of disjoint groups run at once; results are taken oldest first', async () => {
    const c = controlled();
    await sendAlone(c.window, [message(0, 'a')]);
    await sendAlone(c.window, [message(1, 'b')]);
    c.finish('1');
    c.finish('0');
    await c.window.settleAll();
    assert.deepEqual(c.log, ['send 0', 'send 1', 'settled 0', 'settled 1']);
    assert.equal(c.window.unsettled, 0);
  });

  test('a call sharing a group with one under way starts only after that one settled', async () => {
    const c = controlled();
    await sendAlone(c.window, [message(0, 'a')]);
    c.window.push(message(1, 'a'));
    const second = c.window.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const beforeFirstEnds = [...c.log];
    c.finish('0');
    await second;
    assert.deepEqual(beforeFirstEnds, ['send 0']);
    assert.deepEqual(c.log, ['send 0', 'settled 0', 'send 1']);
  });

  test('no more than maxConcurrent calls run at once', async () => {
    const c = controlled(2);
    await sendAlone(c.window, [message(0, 'a')]);
    await sendAlone(c.window, [message(1, 'b')]);
    c.window.push(message(2, 'c'));
    const third = c.window.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const started = c.log.filter((l) => l.startsWith('send')).length;
    c.finish('0');
    await third;
    assert.equal(started, 2);
    assert.deepEqual(c.log, ['send 0', 'send 1', 'settled 0', 'send 2']);
  });

  test('fits says when the gathered call is full (10 entries)', () => {
    const c = controlled();
    for (let i = 0; i < 10; i++) c.window.push(message(i, 'a'));
    assert.equal(c.window.fits(message(10, 'a')), false);
    assert.equal(c.window.unsettled, 10);
  });
});
