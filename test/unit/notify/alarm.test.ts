import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig, type Route } from '../../../lib/config/index.ts';
import {
  type AlarmNotification,
  alarmConsoleUrl,
  describeMetric,
  describeThreshold,
  latestDatapoint,
} from '../../../lib/notify/alarm.ts';
import { alarmEmbed, isoTime } from '../../../lib/notify/alarm-embed.ts';
import { COLORS } from '../../../lib/notify/discord.ts';
import { parseNotification } from '../../../lib/notify/input.ts';
import { NotifyError } from '../../../lib/notify/notify-error.ts';
import { alarmKind, alarmRoute, runbookUrl } from '../../../lib/notify/runbook.ts';
import {
  COMMIT_ERRORS_MESSAGE,
  DELIVER_OK_MESSAGE,
  DLQ_ALARM_MESSAGE,
  HEARTBEAT_INSUFFICIENT_MESSAGE,
  LAG_ALARM_MESSAGE,
} from './fixtures.ts';

function routes(): readonly Route[] {
  return parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: ['orders', 'payments', 'orders-eu'].map((name) => ({
      name,
      topics: [`${name}.v1`],
      endpoint: { type: 'http', url: `https://${name}.example.com/kafka` },
    })),
  }).routes;
}

function alarm(message: string): AlarmNotification {
  const parsed = parseNotification(message);
  assert.equal(parsed.type, 'alarm');
  return parsed.alarm;
}

describe('parsing alarm notifications', () => {
  test('reads the documented fields and drops unknown ones', () => {
    // Act
    const parsed = alarm(DLQ_ALARM_MESSAGE);
    // Assess
    assert.equal(parsed.NewStateValue, 'ALARM');
    assert.equal(parsed.OldStateValue, 'OK');
    assert.deepEqual(parsed.Trigger?.Dimensions, [{ name: 'QueueName', value: 'orders-dlq.fifo' }]);
    assert.equal('OKActions' in parsed, false);
  });

  test('tolerates fields AWS may add later', () => {
    const withExtra = JSON.stringify({ ...JSON.parse(DLQ_ALARM_MESSAGE), SomethingNew: { a: 1 } });
    assert.equal(alarm(withExtra).AlarmName, alarm(DLQ_ALARM_MESSAGE).AlarmName);
  });

  test('accepts API-style { Name, Value } dimensions too', () => {
    const message = JSON.parse(HEARTBEAT_INSUFFICIENT_MESSAGE);
    message.Trigger.Dimensions = [{ Name: 'route', Value: 'orders' }];
    assert.deepEqual(alarm(JSON.stringify(message)).Trigger?.Dimensions, [
      { name: 'route', value: 'orders' },
    ]);
  });

  test('an unknown state is an error naming the field', () => {
    const message = { ...JSON.parse(DLQ_ALARM_MESSAGE), NewStateValue: 'PANIC' };
    assert.throws(
      () => parseNotification(JSON.stringify(message)),
      (error: unknown) => {
        assert.ok(error instanceof NotifyError);
        assert.match(error.message, /NewStateValue/);
        return true;
      },
    );
  });

  test('neither an alarm nor a dead-letter event is an error that says what was expected', () => {
    assert.throws(() => parseNotification('{"hello":"world"}'), /neither a CloudWatch alarm notification/);
    assert.throws(() => parseNotification('not json'), /not JSON/);
  });
});

describe('which route and which alarm', () => {
  test('a route dimension names the route (metric-math alarm)', () => {
    assert.equal(alarmRoute(alarm(LAG_ALARM_MESSAGE), routes()), 'payments');
  });

  test("an SQS queue name names its route (the DLQ's, not a prefix-sharing route)", () => {
    assert.equal(alarmRoute(alarm(DLQ_ALARM_MESSAGE), routes()), 'orders');
    const eu = JSON.parse(DLQ_ALARM_MESSAGE);
    eu.Trigger.Dimensions = [{ name: 'QueueName', value: 'orders-eu-dlq.fifo' }];
    assert.equal(alarmRoute(alarm(JSON.stringify(eu)), routes()), 'orders-eu');
  });

  test('a Lambda alarm is routed by its description', () => {
    assert.equal(alarmRoute(alarm(DELIVER_OK_MESSAGE), routes()), 'orders');
  });

  test('the commit alarm belongs to no route', () => {
    assert.equal(alarmRoute(alarm(COMMIT_ERRORS_MESSAGE), routes()), undefined);
  });

  test('names the stack may use besides construct ids, and metrics when the name says nothing', () => {
    const named = (name: string, base = DLQ_ALARM_MESSAGE): AlarmNotification =>
      alarm(JSON.stringify({ ...JSON.parse(base), AlarmName: name }));
    assert.equal(alarmKind(named('orders-dlq-not-empty')).anchor, 'dlq-not-empty');
    assert.equal(alarmKind(named('Stack-RouteordersOldestMessageAgeABC')).anchor, 'oldest-message-age');
    assert.equal(alarmKind(named('Stack-RouteordersStuckPartitionABC')).anchor, 'stuck-partition');
    assert.equal(alarmKind(named('Stack-RouteordersDeadLetterErrorsABC')).anchor, 'dlq-consumer-errors');
    assert.equal(alarmKind(named('custom', LAG_ALARM_MESSAGE)).anchor, 'commit-lag-rising');
    assert.equal(alarmKind(named('custom', DLQ_ALARM_MESSAGE)).anchor, 'dlq-not-empty');
    assert.equal(alarmKind(named('custom', DELIVER_OK_MESSAGE)).anchor, 'other-alarms');
  });
});

describe('alarm details', () => {
  test('the console link uses the region of the ARN', () => {
    assert.equal(
      alarmConsoleUrl(alarm(DLQ_ALARM_MESSAGE)),
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/KafkaBridgeStack-BridgeRouteordersDeadLetterQueueNotEmptyA1B2C3D4-1QW2E3R4T5Y6',
    );
    const china = {
      ...JSON.parse(DLQ_ALARM_MESSAGE),
      AlarmName: 'a b',
      AlarmArn: 'arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:a b',
    };
    assert.equal(
      alarmConsoleUrl(alarm(JSON.stringify(china))),
      'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/a%20b',
    );
    const none = { ...JSON.parse(DLQ_ALARM_MESSAGE), AlarmArn: undefined };
    assert.equal(alarmConsoleUrl(alarm(JSON.stringify(none))), undefined);
  });

  test('the value is the latest datapoint of the reason', () => {
    assert.equal(latestDatapoint(alarm(LAG_ALARM_MESSAGE).NewStateReason), '120.0 (23/11/26 09:14:00)');
    assert.equal(latestDatapoint('Insufficient Data: 1 datapoint was unknown.'), undefined);
  });

  test('metric and threshold, for a plain and a metric-math alarm', () => {
    assert.equal(
      describeMetric(alarm(DLQ_ALARM_MESSAGE)),
      'AWS/SQS ApproximateNumberOfMessagesVisible (MAXIMUM)',
    );
    assert.equal(describeThreshold(alarm(DLQ_ALARM_MESSAGE)), '>= 1 for 1 of 1 period of 60 s');
    assert.equal(describeMetric(alarm(LAG_ALARM_MESSAGE)), 'commit lag change = DIFF(lag) of mps.commit.lag');
    assert.equal(describeThreshold(alarm(LAG_ALARM_MESSAGE)), '> 0 for 15 of 15 periods of 60 s');
  });

  test("CloudWatch's +0000 offsets become ISO 8601", () => {
    assert.equal(isoTime('2026-11-23T09:01:12.345+0000'), '2026-11-23T09:01:12.345Z');
    assert.equal(isoTime('2026-11-23T10:01:12.345+0100'), '2026-11-23T09:01:12.345Z');
    assert.equal(isoTime('yesterday-ish'), undefined);
  });

  test('runbook links on a configurable base, or the bare path without one', () => {
    assert.equal(
      runbookUrl('dlq-not-empty', 'https://github.com/acme/bridge/blob/main/'),
      'https://github.com/acme/bridge/blob/main/docs/runbook.md#dlq-not-empty',
    );
    assert.equal(runbookUrl('dlq-not-empty', undefined), 'docs/runbook.md#dlq-not-empty');
  });
});

describe('alarmEmbed', () => {
  test('the exact embed of a DLQ alarm', () => {
    // Act
    const embed = alarmEmbed(alarm(DLQ_ALARM_MESSAGE), {
      route: 'orders',
      oncall: '@orders-oncall',
      runbookBaseUrl: 'https://github.com/acme/bridge/blob/main',
    });
    // Assess
    const console =
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/KafkaBridgeStack-BridgeRouteordersDeadLetterQueueNotEmptyA1B2C3D4-1QW2E3R4T5Y6';
    assert.deepEqual(embed, {
      title: '[ALARM] orders: DLQ not empty',
      url: console,
      color: COLORS.red,
      description:
        '```\nRoute orders: records are in the dead-letter queue\n\nThreshold Crossed: 1 out of the last 1 datapoints [3.0 (23/11/26 09:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).\n```',
      fields: [
        { name: 'Route', value: 'orders', inline: true },
        { name: 'State', value: 'OK → ALARM', inline: true },
        {
          name: 'Alarm',
          value: '`KafkaBridgeStack-BridgeRouteordersDeadLetterQueueNotEmptyA1B2C3D4-1QW2E3R4T5Y6`',
        },
        { name: 'Metric', value: 'AWS/SQS ApproximateNumberOfMessagesVisible (MAXIMUM)' },
        { name: 'Value', value: '3.0 (23/11/26 09:00:00)', inline: true },
        { name: 'Threshold', value: '>= 1 for 1 of 1 period of 60 s', inline: true },
        { name: 'On call', value: '@orders-oncall' },
        {
          name: 'Runbook',
          value: '[DLQ not empty](https://github.com/acme/bridge/blob/main/docs/runbook.md#dlq-not-empty)',
          inline: true,
        },
        { name: 'Console', value: `[Open in CloudWatch](${console})`, inline: true },
      ],
      footer: { text: 'kafka-bridge · account 123456789012 · eu-west-1' },
      timestamp: '2026-11-23T09:01:12.345Z',
    });
  });

  test('state colours: OK green, INSUFFICIENT_DATA grey', () => {
    assert.equal(alarmEmbed(alarm(DELIVER_OK_MESSAGE), { route: 'orders' }).color, COLORS.green);
    const grey = alarmEmbed(alarm(HEARTBEAT_INSUFFICIENT_MESSAGE), { route: 'orders' });
    assert.equal(grey.color, COLORS.grey);
    assert.equal(grey.title, '[INSUFFICIENT_DATA] orders: Poller heartbeat missing');
    assert.deepEqual(
      grey.fields?.find((f) => f.name === 'Value'),
      { name: 'Value', value: 'not in the notification (see the reason)', inline: true },
    );
  });

  test('a bridge-wide alarm without a runbook base shows the runbook path as text', () => {
    const embed = alarmEmbed(alarm(COMMIT_ERRORS_MESSAGE), { route: undefined });
    assert.equal(embed.title, '[ALARM] bridge: Commit errors');
    assert.deepEqual(embed.fields?.slice(0, 1), [{ name: 'Route', value: '(bridge-wide)', inline: true }]);
    assert.deepEqual(
      embed.fields?.find((f) => f.name === 'Runbook'),
      { name: 'Runbook', value: 'docs/runbook.md#commit-errors', inline: true },
    );
  });
});
