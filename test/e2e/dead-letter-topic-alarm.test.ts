// The failure topic's alarm (DeadLetterTopicWriteFailed) from what ships, as test/e2e/alarms.test.ts
// checks the others: a route with deadLetter.kafkaTopic synthesized through the package's entry
// point, its DLQ consumer run from its bundle with every EMF line recorded, Kafka refusing its
// connections; the alarm of the synthesized template must read a recorded series and reach
// ALARM over the recorded datapoints, and the dead letter must still wait in the redrive queue.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { RouteInput } from '../../index.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { METRIC } from '../../lib/runtime/contract.ts';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import { uniqueName } from '../support/kafka.ts';
import { alarmProblems } from '../support/metrics/alarm-check.ts';
import {
  ALARM_TIME_SCALE,
  PLACEHOLDER_BROKER,
  PLACEHOLDER_ENDPOINT,
} from '../support/metrics/alarm-world.ts';
import { provisionWorld, RecordedRun } from '../support/metrics/recorded-run.ts';
import { templateAlarms } from '../support/metrics/template-alarms.ts';
import { sendQueuedRecord } from '../support/redriven.ts';
import { ShippedApp } from '../support/shipped.ts';

/** Nothing listens there: the DLQ consumer's Kafka connections are refused. */
const REFUSED_BROKER = '127.0.0.1:1';

let clients: LocalClients;
let outdir = '';
const run = new RecordedRun('dead-letter-topic-alarm', ALARM_TIME_SCALE);

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  clients = localClients();
});

after(() => {
  run.close();
  if (clients !== undefined) destroyClients(clients);
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

describe('the failure topic alarm, over the metrics the shipped DLQ consumer emits', () => {
  test('Kafka refusing the writes: DeadLetterTopicWriteFailed reads a recorded series and reaches ALARM', {
    timeout: 180_000,
  }, async () => {
    const name = uniqueName('dlt-alarm');
    const route: RouteInput = {
      name,
      topics: [`${name}-src`],
      endpoint: { type: 'http', url: PLACEHOLDER_ENDPOINT, timeoutMs: 2_000 },
      deadLetter: { kafkaTopic: `${name}.failed` },
    };
    const shipped = new ShippedApp(route, [PLACEHOLDER_BROKER]);
    outdir = shipped.outdir;
    const alarms = templateAlarms(outdir).filter((a) =>
      a.logicalId.startsWith('RouteDeadLetterTopicWriteFailed'),
    );
    assert.equal(alarms.length, 1, 'the route with a failure topic has the alarm');
    const { world, resources } = await provisionWorld(
      clients,
      route,
      [
        [PLACEHOLDER_ENDPOINT, 'http://127.0.0.1:9/never-called'],
        [PLACEHOLDER_BROKER, REFUSED_BROKER],
      ],
      'http://127.0.0.1:9/never-called',
    );
    const from = Date.now();
    await run.fn(shipped, shipped.deadLetter(world), world);
    // A record SQS redrove (a crashed deliverer's): the DLQ consumer must write it to Kafka first.
    await sendQueuedRecord(clients.sqs, resources.redriveQueue.url, {
      route: name,
      topic: `${name}-src`,
      offset: '0',
      key: 'k',
      value: '{}',
    });
    await run.recorded(
      'a failed failure-topic write',
      (p) => p.metric === METRIC.deadLetterTopicFailed && p.value >= 1,
      120_000,
    );
    const [alarm] = alarms;
    assert.ok(alarm);
    // Only whole periods are evaluated: let the alarm's period that holds the datapoint end.
    await new Promise((resolve) => setTimeout(resolve, (alarm.period * 1000) / ALARM_TIME_SCALE + 200));
    const window = { from, until: Date.now(), timeScale: ALARM_TIME_SCALE, silentFrom: from };
    assert.deepEqual(
      alarmProblems(alarm, run.recorder.datapoints, window),
      [],
      `recorded in ${run.recorder.file}`,
    );
    const waiting = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: resources.redriveQueue.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const a = waiting.Attributes ?? {};
    const count =
      Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
    assert.equal(count, 1, 'the dead letter waits in the redrive queue');
  });
});
