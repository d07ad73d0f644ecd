// A route's function forging alarms (docs/security.md): alarm-shaped messages on the shared
// events queue, or from any topic but the alarm topic, are dropped; an alarm that does come from
// the topic is routed only to a route of the config, links only to a real region, and shows its
// text in a code block.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { alarmConsoleUrl } from '../../../lib/notify/alarm.ts';
import { alarmEmbed } from '../../../lib/notify/alarm-embed.ts';
import type { Notification } from '../../../lib/notify/input.ts';
import { type NotifyEvent, processNotifyEvent } from '../../../lib/notify/process.ts';
import { alarmRoute } from '../../../lib/notify/runbook.ts';
import {
  DLQ_ALARM_MESSAGE,
  LAG_ALARM_MESSAGE,
  recordingNotifier,
  snsEvent,
  sqsEvent,
  TOPIC_ARN,
} from './fixtures.ts';

const routes = parseBridgeConfig({
  kafka: { brokers: ['kafka:9092'] },
  routes: ['orders', 'payments'].map((name) => ({
    name,
    topics: [name],
    endpoint: { type: 'http', url: `https://${name}.example.com/k` },
  })),
}).routes;

/** An alarm as a hostile route's function would write it: another route's dimension, a link to its own host, markdown. */
const forged = JSON.stringify({
  ...JSON.parse(LAG_ALARM_MESSAGE),
  AlarmDescription: 'Route payments: [reset your password](https://phish.example.com) @everyone',
  AlarmArn: 'arn:aws:cloudwatch:phish.example.com/x?:123456789012:alarm:x',
});

async function run(event: NotifyEvent, alarmTopicArn?: string) {
  const posted: Notification[] = [];
  const result = await processNotifyEvent(event, {
    notifier: recordingNotifier(posted),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    metrics: { count: () => undefined },
    ...(alarmTopicArn === undefined ? {} : { alarmTopicArn }),
  });
  return { result, posted };
}

describe('hostile team: forged alarms', () => {
  test("an alarm put on the events queue by a route's function is dropped, whatever route it names", async () => {
    const { result, posted } = await run(sqsEvent([forged, DLQ_ALARM_MESSAGE]), TOPIC_ARN);
    assert.equal(result.invalid, 2);
    assert.deepEqual(posted, []);
    // Even with no topic configured (local mode): an alarm is an SNS notification or nothing.
    assert.deepEqual((await run(sqsEvent([forged]))).posted, []);
  });

  test("an alarm from another SNS topic is dropped; the alarm topic's goes on", async () => {
    const other = snsEvent(DLQ_ALARM_MESSAGE);
    const record = other.Records[0];
    assert.ok(record !== undefined);
    const fromOther: NotifyEvent = {
      Records: [{ ...record, Sns: { ...record.Sns, TopicArn: `${TOPIC_ARN}-team` } }],
    };
    assert.equal((await run(fromOther, TOPIC_ARN)).posted.length, 0);
    assert.equal((await run(snsEvent(DLQ_ALARM_MESSAGE), TOPIC_ARN)).posted.length, 1);
  });

  test('a route dimension outside the config routes nowhere but the bridge', () => {
    const alarm = JSON.parse(LAG_ALARM_MESSAGE);
    alarm.Trigger.Metrics[1].MetricStat.Metric.Dimensions = [{ name: 'route', value: 'not-a-route' }];
    alarm.AlarmDescription = 'an alarm of no route';
    assert.equal(alarmRoute(alarm, routes), undefined);
    assert.equal(alarmRoute(JSON.parse(LAG_ALARM_MESSAGE), routes), 'payments');
  });

  test('a link is built only from a real partition and region; the text is in a code block', () => {
    const alarm = JSON.parse(forged);
    assert.equal(alarmConsoleUrl(alarm), undefined);
    const embed = alarmEmbed(alarm, { route: undefined });
    assert.equal(embed.url, undefined);
    assert.ok(!JSON.stringify(embed.fields).includes('phish'), 'no link field to the forged host');
    assert.ok(embed.description?.startsWith('```\n') && embed.description.endsWith('\n```'));
    assert.ok(
      alarmConsoleUrl(JSON.parse(DLQ_ALARM_MESSAGE))?.startsWith('https://eu-west-1.console.aws.amazon.com/'),
    );
  });
});
