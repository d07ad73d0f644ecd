import type { SNSEvent, SQSEvent } from 'aws-lambda';
import { type Notification, parseNotification } from './input.ts';
import type { Notifier, NotifyResult } from './notifier.ts';
import { NOTIFY_METRICS, type NotifyLogger, type NotifyMetrics } from './observability.ts';
import { type EventSenders, senderProblem } from './senders.ts';

/**
 * The notifier's events: SNS (the alarm topic: alarm state changes, one message per
 * invocation) or SQS (dead-letter events, batched by the event source's batching window so one
 * invocation summarises many dead letters).
 */
export type NotifyEvent = SNSEvent | SQSEvent;

export interface ProcessResult extends NotifyResult {
  /** Messages that were neither an alarm nor a dead-letter event (logged and counted). */
  readonly invalid: number;
}

function bodies(event: NotifyEvent): { id: string; body: string; senderId?: string }[] {
  return event.Records.map((record) =>
    'Sns' in record
      ? { id: record.Sns.MessageId, body: record.Sns.Message }
      : { id: record.messageId, body: record.body, senderId: record.attributes.SenderId },
  );
}

/** A dead-letter message keeps only the events its sender may announce (senders.ts). */
function trusted(
  notification: Notification,
  senderId: string | undefined,
  senders: EventSenders | undefined,
): { kept: Notification | undefined; problem: string | undefined } {
  if (notification.type !== 'dead-letters' || senders === undefined)
    return { kept: notification, problem: undefined };
  const problems = notification.events.map((e) => senderProblem(e.route, senderId, senders));
  const events = notification.events.filter((_, i) => problems[i] === undefined);
  return {
    kept: events.length === 0 ? undefined : { type: 'dead-letters', events },
    problem: problems.find((problem) => problem !== undefined),
  };
}

/**
 * The notify function's logic without Lambda: parses every message, posts what it understood
 * and resolves in all cases. Retrying a message that does not parse cannot help, and retrying
 * because Discord is down would only pile up invocations; both are logged and counted instead.
 */
export async function processNotifyEvent(
  event: NotifyEvent,
  deps: {
    readonly notifier: Notifier;
    readonly logger: NotifyLogger;
    readonly metrics: NotifyMetrics;
    /** Who may announce each route's dead letters; no check when absent (local mode). */
    readonly senders?: EventSenders;
  },
  deadline?: number,
): Promise<ProcessResult> {
  const notifications: Notification[] = [];
  let invalid = 0;
  for (const { id, body, senderId } of bodies(event)) {
    try {
      const { kept, problem } = trusted(parseNotification(body), senderId, deps.senders);
      if (kept !== undefined) notifications.push(kept);
      if (problem !== undefined) {
        invalid += 1;
        deps.logger.error('dead-letter event from a sender not of its route; dropped', {
          messageId: id,
          problem,
        });
      }
    } catch (error) {
      invalid += 1;
      deps.logger.error('notification message not understood; dropped', { messageId: id, error });
    }
  }
  if (invalid > 0) deps.metrics.count(NOTIFY_METRICS.invalid, invalid, undefined);
  const result = await deps.notifier.notify(notifications, deadline);
  return { ...result, invalid };
}
