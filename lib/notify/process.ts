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

interface Body {
  readonly id: string;
  readonly body: string;
  readonly senderId?: string;
  /** The SNS topic of an SNS notification; undefined for an SQS message. */
  readonly topicArn?: string;
}

function bodies(event: NotifyEvent): Body[] {
  return event.Records.map((record) =>
    'Sns' in record
      ? {
          id: record.Sns.MessageId,
          body: record.Sns.Message,
          // Only an SNS notification envelope names its topic.
          ...(record.EventSource === 'aws:sns' && record.Sns.Type === 'Notification'
            ? { topicArn: record.Sns.TopicArn }
            : {}),
        }
      : { id: record.messageId, body: record.body, senderId: record.attributes.SenderId },
  );
}

/**
 * An alarm is the alarm topic's to send: on the events queue any route's function could put an
 * alarm-shaped message (routed by the dimension it claims, with links of its choice), so alarms
 * come only from SNS notifications, of the configured topic when one is configured.
 */
function alarmOriginProblem(from: Body, alarmTopicArn: string | undefined): string | undefined {
  if (from.topicArn === undefined) return 'an alarm not from the alarm topic (SNS) is not taken';
  if (alarmTopicArn !== undefined && from.topicArn !== alarmTopicArn)
    return `an alarm from topic ${from.topicArn}, not the bridge's alarm topic, is not taken`;
  return undefined;
}

/**
 * A message keeps only what its sender may send: alarms from the alarm topic, dead-letter
 * events from their route's functions (senders.ts).
 */
async function trusted(
  notification: Notification,
  from: Body,
  senders: EventSenders | undefined,
  alarmTopicArn: string | undefined,
): Promise<{ kept: Notification | undefined; problem: string | undefined }> {
  if (notification.type === 'alarm') {
    const problem = alarmOriginProblem(from, alarmTopicArn);
    return problem === undefined ? { kept: notification, problem } : { kept: undefined, problem };
  }
  const { senderId } = from;
  if (senders === undefined) return { kept: notification, problem: undefined };
  const problems = await Promise.all(
    notification.events.map((e) => senderProblem(e.route, senderId, senders)),
  );
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
    /** The alarm topic: alarms from any other are dropped. Absent: any SNS topic (local mode). */
    readonly alarmTopicArn?: string;
  },
  deadline?: number,
): Promise<ProcessResult> {
  const notifications: Notification[] = [];
  let invalid = 0;
  for (const from of bodies(event)) {
    const { id, body } = from;
    try {
      const { kept, problem } = await trusted(
        parseNotification(body),
        from,
        deps.senders,
        deps.alarmTopicArn,
      );
      if (kept !== undefined) notifications.push(kept);
      if (problem !== undefined) {
        invalid += 1;
        deps.logger.error(
          'message from a sender that may not send it (an alarm not from the alarm topic, a dead-letter event not from its route); dropped',
          {
            messageId: id,
            problem,
          },
        );
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
