import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ResourceAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import { BridgeError } from '../errors.ts';

/** What the notifier's dead-letter summaries are made from (lib/notify/dead-letter.ts reads it). */
export interface DeadLetterEventInput {
  readonly route: string;
  readonly recordId: string;
  readonly reason: string;
  readonly at: number;
}

/** What publishing calls on the notifier's dead-letter events queue. */
export const DEAD_LETTER_EVENTS_ACCESS: ResourceAccess = { actions: ['sqs:SendMessage'] };

/** The longest reason sent on: a summary shows the first error, not a whole response body. */
const REASON_MAX = 500;

/**
 * Tells the notifier that a record was dead-lettered (I7): one small message per record on a
 * shared queue, which the notifier drains in batching windows and summarises per route, so
 * Discord gets one post per route and window, never one per record. Only ids and the reason
 * travel; payloads never do.
 */
export class DeadLetterEvents {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
  }

  async publish(event: DeadLetterEventInput): Promise<void> {
    const body = JSON.stringify({
      kind: 'dead-letter',
      route: event.route,
      recordId: event.recordId,
      reason: event.reason.length > REASON_MAX ? `${event.reason.slice(0, REASON_MAX - 1)}…` : event.reason,
      at: new Date(event.at).toISOString(),
    });
    try {
      await this.#sqs.send(new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: body }));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BridgeError(`cannot publish the dead-letter event of ${event.recordId}: ${reason}`, {
        cause: error,
        retryable: isRetryableAwsError(error),
      });
    }
  }
}
