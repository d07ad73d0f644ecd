/**
 * The send plan of one partition's batch: prepared messages are gathered into SendMessageBatch
 * calls (10 entries, 1 MiB: fitsBatch) and sent with up to MAX_CONCURRENT_SENDS calls under way.
 * A call starts while others run only when it shares no message group with them (same-group
 * messages never in two concurrent sends); results are taken in order, oldest first, so the
 * caller's position only moves over a contiguous run of accepted calls.
 */
import { ignore } from './owned.ts';
import { fitsBatch, type OutgoingMessage } from './send-plan.ts';

/**
 * SendMessageBatch calls one partition may have under way at once (with disjoint message
 * groups). More hides SQS latency; each holds at most 10 records, so memory stays small.
 */
export const MAX_CONCURRENT_SENDS = 4;

export interface SendWindowOptions {
  /** Sends one call's messages; resolves once SQS accepted all of them. */
  readonly send: (messages: OutgoingMessage[]) => Promise<void>;
  /** Told about each accepted call, in order (the caller moves its position over them). */
  readonly settled: (messages: readonly OutgoingMessage[]) => Promise<void>;
  readonly maxConcurrent?: number;
}

interface Running {
  readonly messages: OutgoingMessage[];
  readonly groups: Set<string>;
  readonly done: Promise<void>;
}

export class SendWindow {
  readonly #o: SendWindowOptions;
  readonly #max: number;
  #pending: OutgoingMessage[] = [];
  #pendingBytes = 0;
  /** Calls under way, oldest first. */
  readonly #running: Running[] = [];
  #runningCount = 0;

  constructor(options: SendWindowOptions) {
    this.#o = options;
    this.#max = options.maxConcurrent ?? MAX_CONCURRENT_SENDS;
  }

  /** Messages prepared or being sent and not settled yet (they count against the in-flight window). */
  get unsettled(): number {
    return this.#runningCount + this.#pending.length;
  }

  /** Whether `message` can join the gathered call; when not, `flush` first. */
  fits(message: OutgoingMessage): boolean {
    return fitsBatch(this.#pending, this.#pendingBytes, message);
  }

  /** Adds a message to the gathered call (which it fits). */
  push(message: OutgoingMessage): void {
    this.#pending.push(message);
    this.#pendingBytes += message.bytes;
  }

  /** Starts the gathered call, after waiting for calls it may not run beside. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const sending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    const groups = new Set(sending.map((message) => message.groupId));
    while (this.#running.length >= this.#max || this.#running.some((r) => overlaps(r.groups, groups))) {
      await this.#settleOldest();
    }
    const done = this.#o.send(sending);
    // Awaited in order by #settleOldest; this only keeps a rejection from being unhandled meanwhile.
    done.catch(ignore);
    this.#running.push({ messages: sending, groups, done });
    this.#runningCount += sending.length;
  }

  /** Waits for every call under way, in order. */
  async settleAll(): Promise<void> {
    while (this.#running.length > 0) await this.#settleOldest();
  }

  /** Waits for every call to end, successful or not (no send may outlive the batch it came from). */
  async abandon(): Promise<void> {
    this.#pending = [];
    this.#pendingBytes = 0;
    await Promise.allSettled(this.#running.map((r) => r.done));
  }

  async #settleOldest(): Promise<void> {
    const oldest = this.#running[0];
    if (oldest === undefined) return;
    await oldest.done;
    this.#running.shift();
    this.#runningCount -= oldest.messages.length;
    await this.#o.settled(oldest.messages);
  }
}

function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const group of b) if (a.has(group)) return true;
  return false;
}
