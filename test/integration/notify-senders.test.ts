// The notifier's dead-letter event senders read from SSM (moto serves GetParameter as AWS does:
// the value, or ParameterNotFound): a route's own role passes, a foreign role and a route with
// no parameter are dropped and counted, and the reads are cached per route.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Notification } from '../../lib/notify/input.ts';
import { processNotifyEvent } from '../../lib/notify/process.ts';
import { eventSendersParameter, eventSendersPath, ParameterEventSenders } from '../../lib/notify/senders.ts';
import { assertReachable, awsEndpoint, emulatorClientConfig, uniqueName } from '../support/aws.ts';
import { deadLetterBody, recordingNotifier } from '../unit/notify/fixtures.ts';

// A stack name of its own, so parallel runs never share parameters.
const PATH = eventSendersPath(uniqueName('senders'));
let ssm: SSMClient;
let calls = 0;

function record(route: string, senderId: string): SQSRecord {
  return {
    messageId: `${route}-${senderId}`,
    body: deadLetterBody(route, 1, 'HTTP 400', '2026-12-05T08:00:00Z'),
    attributes: { SenderId: senderId },
  } as unknown as SQSRecord;
}

before(async () => {
  await assertReachable(awsEndpoint(), 'moto (SSM)');
  ssm = new SSMClient(emulatorClientConfig());
  ssm.middlewareStack.add(
    (next) => async (args) => {
      calls += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  await ssm.send(
    new PutParameterCommand({
      Name: eventSendersParameter(PATH, 'orders'),
      Value: JSON.stringify(['AROAORDERSDELIVER', 'AROAORDERSDLQ']),
      Type: 'String',
    }),
  );
  calls = 0;
});

after(() => ssm?.destroy());

describe('dead-letter event senders from SSM (moto)', () => {
  test("the route's own role is posted; a foreign role and a route with no parameter are dropped and counted", async () => {
    const posted: Notification[] = [];
    const notifier = recordingNotifier(posted);
    const errors: string[] = [];
    const counted: number[] = [];
    const event: SQSEvent = {
      Records: [
        record('orders', 'AROAORDERSDLQ:Platform-OrdersDeadLetter-1'),
        record('orders', 'AROAPAYMENTS:Platform-PaymentsDeliver-1'),
        record('forged', 'AROAORDERSDLQ:Platform-OrdersDeadLetter-1'),
        record('orders', 'AROAORDERSDELIVER:Platform-OrdersDeliver-1'),
      ],
    };
    const senders = new ParameterEventSenders(ssm, PATH);
    const result = await processNotifyEvent(event, {
      notifier,
      logger: {
        info: () => undefined,
        warn: () => undefined,
        error: (_message, attributes) => errors.push(String((attributes as { problem?: string }).problem)),
      },
      metrics: { count: (_name, value) => counted.push(value) },
      senders,
    });
    assert.equal(result.invalid, 2);
    assert.deepEqual(counted, [2]);
    assert.equal(posted.length, 2, "the two events the route's own roles sent");
    assert.ok(posted.every((n) => n.type === 'dead-letters' && n.events.every((e) => e.route === 'orders')));
    assert.match(errors.join('\n'), /sent by AROAPAYMENTS, not by one of the route's functions/);
    assert.match(errors.join('\n'), /route forged: no senders .*event-senders\/forged could not be read/);
    // One read of orders (cached for the later events), one of forged (not cached).
    assert.equal(calls, 2);
  });
});
