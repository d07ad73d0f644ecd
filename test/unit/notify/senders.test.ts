import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Notification } from '../../../lib/notify/input.ts';
import type { Notifier } from '../../../lib/notify/notifier.ts';
import { processNotifyEvent } from '../../../lib/notify/process.ts';
import { eventSendersFromEnv, senderProblem } from '../../../lib/notify/senders.ts';

// SenderIds as AWS writes them for a Lambda function's role: <role unique id>:<function name>.
const SENDERS = eventSendersFromEnv({
  BRIDGE_EVENT_SENDERS: JSON.stringify({
    orders: ['AROAORDERSDELIVER', 'AROAORDERSDLQ'],
    payments: ['AROAPAYMENTS'],
  }),
});

function record(route: string, senderId: string): SQSRecord {
  const event = {
    kind: 'dead-letter',
    route,
    recordId: `${route}/t/0/1`,
    reason: 'HTTP 400',
    at: '2026-11-23T09:00:00Z',
  };
  return {
    messageId: `${route}-${senderId}`,
    body: JSON.stringify(event),
    attributes: { SenderId: senderId },
  } as unknown as SQSRecord;
}

describe('dead-letter events come from their route', () => {
  test('senderProblem: the role id before the colon must be one of the route roles', () => {
    assert.equal(senderProblem('orders', 'AROAORDERSDLQ:stack-OrdersDlq-1', SENDERS), undefined);
    assert.match(
      senderProblem('orders', 'AROAPAYMENTS:stack-Payments-1', SENDERS) ?? '',
      /sent by AROAPAYMENTS, not by one of the route's functions/,
    );
    assert.ok(senderProblem('unknown-route', 'AROAORDERSDLQ:x', SENDERS));
    assert.ok(senderProblem('orders', undefined, SENDERS));
    assert.equal(senderProblem('orders', '127.0.0.1', undefined), undefined, 'no map (local mode): no check');
  });

  test("an event for route orders sent by payments' function is dropped; its own goes on", async () => {
    const posted: Notification[] = [];
    const notifier = {
      notify: async (notifications: readonly Notification[]) => {
        posted.push(...notifications);
        return { sent: notifications.length, failed: 0 };
      },
    } as unknown as Notifier;
    const logged: unknown[] = [];
    const event: SQSEvent = {
      Records: [
        record('orders', 'AROAPAYMENTS:payments-deliver'),
        record('orders', 'AROAORDERSDELIVER:orders-deliver'),
      ],
    };
    const result = await processNotifyEvent(event, {
      notifier,
      logger: {
        info: () => undefined,
        warn: () => undefined,
        error: (message, attributes) => logged.push({ message, attributes }),
      },
      metrics: { count: () => undefined },
      ...(SENDERS === undefined ? {} : { senders: SENDERS }),
    });
    assert.equal(result.invalid, 1);
    assert.equal(posted.length, 1);
    assert.equal(logged.length, 1);
  });
});
