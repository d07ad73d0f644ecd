import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ResourceAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { SQS_MAX_MESSAGE_BYTES } from '../envelope/index.ts';
import { type BackoffPolicy, backoffMs } from '../retry/index.ts';
import { MessageTooLargeError, SupersededError } from './errors.ts';
import { type OutgoingMessage, planResend } from './send-plan.ts';
import { type FailedEntry, type SqsBatchTransport, sdkTransport } from './sqs-transport.ts';

/** What forwarding calls on a route's queue (SendMessageBatch is authorized as sqs:SendMessage). */
export const FORWARD_ACCESS: ResourceAccess = { actions: ['sqs:SendMessage'] };

/** How the caller keeps a send alive and says when to give it up. */
export interface SendControl {
  /** False once the work is no longer wanted (stopping, partition revoked): the send gives up. */
  readonly isCurrent: () => boolean;
  /** Called between waits, so a long backoff does not cost the consumer its group membership. */
  readonly keepAlive: () => Promise<void>;
  readonly signal?: AbortSignal;
  /** Told about this send's problems too (the partition's health status shows the last one). */
  readonly report?: (problem: SendProblem) => void;
}

export type SendProblemKind = 'throttled' | 'failed' | 'rejected' | 'overtaken';

export interface SendProblem {
  readonly kind: SendProblemKind;
  readonly message: string;
  readonly attempt: number;
  readonly waitMs: number;
  readonly error?: unknown;
}

export interface BatchSenderOptions {
  /** The SDK client; sends go through it unless `transport` is given. */
  readonly sqs: Pick<SQSClient, 'send'>;
  /** How SendMessageBatch reaches SQS (sqs-transport.ts); default: through `sqs`. */
  readonly transport?: SqsBatchTransport;
  readonly queueUrl: string;
  /** Told about every failed attempt and every reordering: the caller logs and counts them. */
  readonly onProblem?: (problem: SendProblem) => void;
  /** Backoff for transient failures (throttling, 5xx, network). */
  readonly transientBackoff?: BackoffPolicy;
  /** Backoff for failures that need an operator (missing queue, denied access, rejected entries). */
  readonly permanentBackoff?: BackoffPolicy;
}

const TRANSIENT: BackoffPolicy = { baseMs: 50, maxMs: 5_000, jitter: 'full' };
const PERMANENT: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, jitter: 'full' };
/** Waits are cut into slices of this length, with a keep-alive and a "still wanted?" check between them. */
const SLICE_MS = 1_000;

/**
 * Sends one partition's messages to the route's FIFO queue with SendMessageBatch, and does not
 * return before SQS accepted every one of them (or the work is abandoned, SupersededError).
 *
 * Nothing is ever skipped: the poller may not move past a record it could not forward (I3),
 * so even a failure that needs an operator (the queue was deleted, access denied, an entry
 * rejected) is retried with a long backoff and reported on every attempt, and the partition
 * stalls visibly (health endpoint, logs, the route's lag alarm) instead of losing records.
 * The one exception is a message too large for SQS, which no retry can ever send: that throws
 * MessageTooLargeError naming the record, before sending or when SQS says so.
 */
export class BatchSender {
  readonly #transport: SqsBatchTransport;
  readonly #queueUrl: string;
  readonly #onProblem: (problem: SendProblem) => void;
  readonly #transient: BackoffPolicy;
  readonly #permanent: BackoffPolicy;

  constructor(options: BatchSenderOptions) {
    this.#transport = options.transport ?? sdkTransport(options.sqs);
    this.#queueUrl = options.queueUrl;
    this.#onProblem =
      options.onProblem ??
      (() => {
        // Nobody listens: the send still retries; problems are only not reported.
      });
    this.#transient = options.transientBackoff ?? TRANSIENT;
    this.#permanent = options.permanentBackoff ?? PERMANENT;
  }

  /** Sends at most 10 messages (one SendMessageBatch's worth, see send-plan.ts), in order. */
  async send(messages: readonly OutgoingMessage[], control: SendControl): Promise<void> {
    const oversized = messages.filter((m) => m.bytes > SQS_MAX_MESSAGE_BYTES);
    if (oversized.length > 0) throw tooLarge(oversized, `over SQS's limit of ${SQS_MAX_MESSAGE_BYTES} bytes`);
    let remaining = messages;
    for (let attempt = 0; remaining.length > 0; attempt++) {
      if (!control.isCurrent() || control.signal?.aborted) throw new SupersededError('SendMessageBatch');
      let kind: SendProblemKind;
      let message: string;
      let error: unknown;
      try {
        const failed = await this.#transport.sendBatch(this.#queueUrl, remaining, control.signal);
        if (failed.length === 0) return;
        const tooLong = new Set(failed.filter((entry) => isTooLong(entry.Code)).map((entry) => entry.Id));
        if (tooLong.size > 0) {
          throw tooLarge(
            remaining.filter((m) => tooLong.has(m.id)),
            `rejected by SQS as too long (${describeFailures(failed)})`,
          );
        }
        const plan = planResend(remaining, new Set(failed.map((entry) => entry.Id ?? '')));
        if (plan.overtook.length > 0) {
          this.#problem(control, {
            kind: 'overtaken',
            message:
              `SQS accepted ${plan.overtook.length} message(s) after an earlier message of the same group failed in one batch ` +
              `(offsets ${plan.overtook.map((m) => m.offset).join(', ')}): they are ahead of it in the queue`,
            attempt,
            waitMs: 0,
          });
        }
        kind = failed.some((entry) => entry.SenderFault === true) ? 'rejected' : 'failed';
        message = `${failed.length} of ${remaining.length} entries failed: ${describeFailures(failed)}`;
        remaining = plan.resend;
      } catch (caught) {
        if (caught instanceof MessageTooLargeError) throw caught;
        if (control.signal?.aborted) throw new SupersededError('SendMessageBatch');
        // The queue's own size limit may be below SQS's maximum: no retry makes the batch shorter.
        if (isTooLong((caught as { name?: unknown }).name)) {
          throw tooLarge(remaining, `rejected by SQS as too long (${messageText(caught)})`);
        }
        error = caught;
        // Throttling, 5xx and network errors pass; anything else (no such queue, access denied) needs someone.
        kind = isRetryableAwsError(caught) ? 'throttled' : 'rejected';
        message = `SendMessageBatch to ${this.#queueUrl} failed: ${messageText(caught)}`;
      }
      const waitMs = backoffMs(
        Math.min(attempt, 20),
        kind === 'rejected' ? this.#permanent : this.#transient,
      );
      this.#problem(control, { kind, message, attempt, waitMs, ...(error === undefined ? {} : { error }) });
      await this.#wait(waitMs, control);
    }
  }

  #problem(control: SendControl, problem: SendProblem): void {
    this.#onProblem(problem);
    control.report?.(problem);
  }

  async #wait(ms: number, control: SendControl): Promise<void> {
    for (let left = ms; left > 0; left -= SLICE_MS) {
      try {
        await sleep(
          Math.min(left, SLICE_MS),
          undefined,
          control.signal === undefined ? {} : { signal: control.signal },
        );
      } catch (error) {
        if (control.signal?.aborted) throw new SupersededError('SendMessageBatch backoff');
        throw error;
      }
      if (!control.isCurrent()) throw new SupersededError('SendMessageBatch backoff');
      await control.keepAlive();
    }
  }
}

function describeFailures(failed: readonly FailedEntry[]): string {
  const shown = failed
    .slice(0, 3)
    .map(
      (entry) =>
        `${entry.Id ?? '?'}: ${entry.Code ?? 'unknown'}${entry.Message ? ` (${entry.Message})` : ''}`,
    );
  return shown.join('; ') + (failed.length > 3 ? ` and ${failed.length - 3} more` : '');
}

function messageText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SQS's codes for a message or batch over the size limit (MessageTooLong, BatchRequestTooLong). */
function isTooLong(code: unknown): boolean {
  return typeof code === 'string' && /TooLong/i.test(code);
}

function tooLarge(messages: readonly OutgoingMessage[], why: string): MessageTooLargeError {
  const named = messages
    .slice(0, 3)
    .map((m) => `${m.record ?? `offset ${m.offset}`} (${m.bytes} bytes)`)
    .join(', ');
  const more = messages.length > 3 ? ` and ${messages.length - 3} more` : '';
  return new MessageTooLargeError(
    `cannot forward ${named}${more}: the SQS message is ${why}; it will never be sent, so the partition stops here`,
  );
}
