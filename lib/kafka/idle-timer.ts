import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

/**
 * kafkajs 2.2.4 keeps a 1 ms timer running forever on every broker connection once a request
 * has been answered: with nothing pending and no throttle, its request queue's
 * `scheduleCheckPendingRequests` computes a negative delay (`throttledUntil - Date.now()`), Node
 * runs it after 1 ms (warning once, `TimeoutNegativeWarning`), and the check schedules itself
 * again (kafkajs issues 1556, 1704 and 1751; the fixes are unmerged and kafkajs is unmaintained).
 * An idle poller wakes about a thousand times a second per connection for nothing.
 *
 * The timer is only needed while a request waits: a request put in the queue schedules the
 * check itself, and an answer checks the queue at once. So the check is not scheduled while
 * nothing is pending; everything else is kafkajs's own code. Applied once, when lib/kafka is
 * loaded (client.ts imports this module), to every kafkajs client of the process. The bundles
 * carry it: esbuild bundles this file and kafkajs's own require of it as one module.
 */
const queue = RequestQueue.prototype;
const schedule = queue.scheduleCheckPendingRequests;
const PATCHED = Symbol.for('kafka-endpoint-bridge.idle-timer');

if (typeof schedule === 'function' && !(PATCHED in schedule)) {
  const patched = function scheduleCheckPendingRequests(this: typeof queue): void {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  Object.defineProperty(patched, PATCHED, { value: true });
  queue.scheduleCheckPendingRequests = patched;
}

/** True when kafkajs's request queue no longer spins while idle (for tests and diagnostics). */
export function idleTimerFixed(): boolean {
  return PATCHED in RequestQueue.prototype.scheduleCheckPendingRequests;
}
