import { z } from 'zod';
import { jsonSyntaxError } from '../errors.ts';
import { type AlarmNotification, AlarmNotificationSchema, looksLikeAlarm } from './alarm.ts';
import { type DeadLetterEvent, DeadLetterEventSchema, looksLikeDeadLetter } from './dead-letter.ts';
import { NotifyError } from './notify-error.ts';

/** What one message to the notifier holds. */
export type Notification =
  | { readonly type: 'alarm'; readonly alarm: AlarmNotification }
  | { readonly type: 'dead-letters'; readonly events: readonly DeadLetterEvent[] };

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`)
    .join('; ');
}

/**
 * Parses a message body: a CloudWatch alarm notification (as CloudWatch publishes it to SNS),
 * one dead-letter event, or a JSON array of dead-letter events (a publisher may batch them).
 * Throws NotifyError naming what is wrong; the body itself is not quoted (it could be large).
 */
export function parseNotification(body: string): Notification {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new NotifyError(`message is not JSON (${body.length} characters)`, {
      cause: jsonSyntaxError(error),
    });
  }
  if (looksLikeAlarm(value)) {
    const parsed = AlarmNotificationSchema.safeParse(value);
    if (!parsed.success)
      throw new NotifyError(`not a valid CloudWatch alarm notification: ${issues(parsed.error)}`);
    return { type: 'alarm', alarm: parsed.data };
  }
  if (
    looksLikeDeadLetter(value) ||
    (Array.isArray(value) && value.length > 0 && value.every(looksLikeDeadLetter))
  ) {
    const parsed = z.array(DeadLetterEventSchema).safeParse(Array.isArray(value) ? value : [value]);
    if (!parsed.success) throw new NotifyError(`not a valid dead-letter event: ${issues(parsed.error)}`);
    return { type: 'dead-letters', events: parsed.data };
  }
  throw new NotifyError(
    'message is neither a CloudWatch alarm notification (AlarmName, NewStateValue) nor a dead-letter event (kind "dead-letter")',
  );
}
