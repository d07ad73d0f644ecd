import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Notification } from '../../../lib/notify/input.ts';
import { processNotifyEvent } from '../../../lib/notify/process.ts';
import {
  EVENT_SENDERS_ACCESS,
  eventSendersFromEnv,
  ParameterEventSenders,
  senderProblem,
} from '../../../lib/notify/senders.ts';
import { recordingNotifier } from './fixtures.ts';

const PATH = '/Platform/event-senders';
// SenderIds as AWS writes them for a Lambda function's role: <role unique id>:<function name>.
const PARAMETERS: Record<string, string> = {
  [`${PATH}/orders`]: JSON.stringify(['AROAORDERSDELIVER', 'AROAORDERSDLQ']),
  [`${PATH}/payments`]: JSON.stringify(['AROAPAYMENTS']),
  [`${PATH}/broken`]: '{"not":"a list"}',
};

/** SSM as GetParameter answers: the value, or ParameterNotFound; each call's name kept. */
function fakeSsm(parameters: Record<string, string> = PARAMETERS) {
  const calls: string[] = [];
  return {
    calls,
    send: async (command: unknown) => {
      assert.ok(command instanceof GetParameterCommand);
      const name = command.input.Name ?? '';
      calls.push(name);
      const value = parameters[name];
      if (value === undefined)
        throw Object.assign(new Error(`Parameter ${name} not found.`), { name: 'ParameterNotFound' });
      return { Parameter: { Name: name, Value: value } };
    },
  };
}

const SENDERS = eventSendersFromEnv(() => fakeSsm() as never, { BRIDGE_EVENT_SENDERS_PATH: PATH });

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
  test('senderProblem: the role id before the colon must be one of the route roles', async () => {
    assert.equal(await senderProblem('orders', 'AROAORDERSDLQ:stack-OrdersDlq-1', SENDERS), undefined);
    assert.match(
      (await senderProblem('orders', 'AROAPAYMENTS:stack-Payments-1', SENDERS)) ?? '',
      /sent by AROAPAYMENTS, not by one of the route's functions/,
    );
    assert.match(
      (await senderProblem('unknown-route', 'AROAORDERSDLQ:x', SENDERS)) ?? '',
      /route unknown-route: no senders .*\/Platform\/event-senders\/unknown-route could not be read: .*not found/,
    );
    assert.match(
      (await senderProblem('broken', 'AROAORDERSDLQ:x', SENDERS)) ?? '',
      /not a JSON list of role ids/,
    );
    assert.ok(await senderProblem('orders', undefined, SENDERS));
    assert.equal(
      await senderProblem('orders', '127.0.0.1', undefined),
      undefined,
      'no path (local mode): no check',
    );
  });

  test('one GetParameter per route until the cache expires; a failed read is not cached', async () => {
    let now = 0;
    const ssm = fakeSsm({ ...PARAMETERS });
    const senders = new ParameterEventSenders(ssm as never, `${PATH}/`, { ttlMs: 1_000, now: () => now });
    for (let i = 0; i < 3; i++) await senders.senders('orders');
    assert.deepEqual(ssm.calls, [`${PATH}/orders`]);
    now = 1_000;
    await senders.senders('orders');
    await senders.senders('missing');
    await senders.senders('missing');
    assert.deepEqual(ssm.calls, [`${PATH}/orders`, `${PATH}/orders`, `${PATH}/missing`, `${PATH}/missing`]);
    assert.deepEqual(EVENT_SENDERS_ACCESS.actions, ['ssm:GetParameter']);
  });

  test('no path: no check; a path that is not an SSM path is refused at start', () => {
    assert.equal(
      eventSendersFromEnv(() => fakeSsm() as never, {}),
      undefined,
    );
    assert.throws(
      () => eventSendersFromEnv(() => fakeSsm() as never, { BRIDGE_EVENT_SENDERS_PATH: 'x y' }),
      /SSM parameter path/,
    );
  });

  test("an event for route orders sent by payments' function, or for a route with no parameter, is dropped; its own goes on", async () => {
    const posted: Notification[] = [];
    const notifier = recordingNotifier(posted);
    const logged: unknown[] = [];
    const event: SQSEvent = {
      Records: [
        record('orders', 'AROAPAYMENTS:payments-deliver'),
        record('orders', 'AROAORDERSDELIVER:orders-deliver'),
        record('forged', 'AROAORDERSDELIVER:orders-deliver'),
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
    assert.equal(result.invalid, 2, 'the foreign sender and the route with no parameter');
    assert.equal(posted.length, 1);
    assert.equal(logged.length, 2);
  });
});
