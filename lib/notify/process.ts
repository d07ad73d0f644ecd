import type { SNSEvent, SQSEvent } from 'aws-lambda';
import { type Notification, parseNotification } from './input.ts';
import type { Notifier, NotifyResult } from './notifier.ts';
import { NOTIFY_METRICS, type NotifyLogger, type NotifyMetrics } from './observability.ts';

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

function bodies(event: NotifyEvent): { id: string; body: string }[] {
  return event.Records.map((record) =>
    'Sns' in record
      ? { id: record.Sns.MessageId, body: record.Sns.Message }
      : { id: record.messageId, body: record.body },
  );
}

/**
 * The notify function's logic without Lambda: parses every message, posts what it understood
 * and resolves in all cases. Retrying a message that does not parse cannot help, and retrying
 * because Discord is down would only pile up invocations; both are logged and counted instead.
 */
export async function processNotifyEvent(
  event: NotifyEvent,
  deps: { readonly notifier: Notifier; readonly logger: NotifyLogger; readonly metrics: NotifyMetrics },
  deadline?: number,
): Promise<ProcessResult> {
  const notifications: Notification[] = [];
  let invalid = 0;
  for (const { id, body } of bodies(event)) {
    try {
      notifications.push(parseNotification(body));
    } catch (error) {
      invalid += 1;
      deps.logger.error('notification message not understood; dropped', { messageId: id, error });
    }
  }
  if (invalid > 0) deps.metrics.count(NOTIFY_METRICS.invalid, invalid, undefined);
  const result = await deps.notifier.notify(notifications, deadline);
  return { ...result, invalid };
}
