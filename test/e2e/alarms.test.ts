// Alarms from emitted metrics: one route synthesized through the package's entry point and run
// from what ships (test/support/shipped.ts), every metric its processes write recorded (EMF on
// stdout, test/support/metrics/recorder.ts; AWS's own Lambda and SQS metrics by stand-ins,
// test/support/metrics/vended.ts), then every alarm of the synthesized templates checked:
//   1. each metric it reads (every input of a math expression) was recorded in exactly its
//      series: namespace, name and dimension set;
//   2. evaluated with its own statistic, threshold, period, evaluation periods, datapoints to
//      alarm and missing-data rule over the recorded datapoints, it reaches ALARM in the
//      scenario below, which drives every condition the stack alarms on.
// Time is scaled by ALARM_TIME_SCALE: every clock the alarms depend on (periods, the commit schedule,
// the poller's metric interval, the vended metrics' minute) is divided by it, so each period
// holds the datapoints a deployed one would, and an alarm's M-of-N outcome is the deployed
// one's (docs/testing.md, "Alarms from emitted metrics").
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { RouteInput } from '../../index.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { DEFAULT_METRICS_INTERVAL_MS } from '../../lib/poller/route-metrics.ts';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import { BlackHole, TestEndpoint } from '../support/endpoint.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  kafkaBrokers,
  uniqueName,
} from '../support/kafka.ts';
import { alarmProblems } from '../support/metrics/alarm-check.ts';
import {
  ALARM_TIME_SCALE,
  PLACEHOLDER_BROKER,
  PLACEHOLDER_ENDPOINT,
} from '../support/metrics/alarm-world.ts';
import { provisionWorld, RecordedRun } from '../support/metrics/recorded-run.ts';
import { templateAlarms } from '../support/metrics/template-alarms.ts';
import { sampleQueueDepths } from '../support/metrics/vended.ts';
import { ShippedApp } from '../support/shipped.ts';

const REFUSED = 'http://127.0.0.1:1';

let clients: LocalClients;
let endpoint: TestEndpoint | undefined;
let hole: BlackHole | undefined;
let outdir = '';
const run = new RecordedRun('alarms', ALARM_TIME_SCALE);
/** Run in after(), also when the test failed half-way (a connected producer keeps the file alive). */
const cleanups: (() => unknown)[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  clients = localClients();
});

after(async () => {
  for (const cleanup of cleanups) await cleanup();
  run.close();
  await endpoint?.stop();
  await hole?.stop();
  if (clients !== undefined) destroyClients(clients);
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

describe('alarms of the synthesized template, over the metrics the shipped code emits', () => {
  test('every alarm reads recorded series and reaches ALARM in its scenario', {
    timeout: 300_000,
  }, async () => {
    const name = uniqueName('alarms');
    const topic = uniqueName('alarms-topic').replaceAll('.', '-');
    await createTopic(topic, 1);
    endpoint = await TestEndpoint.start((request) => {
      if (request.key === 'poison') return { status: 422, body: 'unprocessable' };
      if (request.key === 'stuck') return { status: 503, body: 'down for this key' };
      return { status: 200, body: 'ok' };
    });
    hole = await BlackHole.start();
    const route: RouteInput = {
      name,
      topics: [topic],
      endpoint: { type: 'http', url: PLACEHOLDER_ENDPOINT, timeoutMs: 2_000 },
      // The stuck record retries about once a second and is not given up in this run.
      retry: { attempts: 200, inProcessAttempts: 1, baseMs: 200, maxMs: 1_000, jitter: 'none' },
      maxInFlight: 200,
      concurrency: 2,
    };
    const shipped = new ShippedApp(route, [PLACEHOLDER_BROKER]);
    outdir = shipped.outdir;
    const alarms = templateAlarms(outdir);
    const { world, resources } = await provisionWorld(
      clients,
      route,
      [
        [PLACEHOLDER_ENDPOINT, endpoint.url],
        [PLACEHOLDER_BROKER, kafkaBrokers()[0] ?? '127.0.0.1:9092'],
      ],
      endpoint.url,
    );
    const { minute, recorder } = run;
    const queueUrls = new Map([...world.queues].map(([queueName, q]) => [queueName, q.url]));
    cleanups.push(
      sampleQueueDepths(clients.sqs, queueUrls, ALARM_TIME_SCALE, (p) => recorder.datapoints.push(p)),
    );

    // The DLQ consumer's S3 hangs: its invocation outlives the function's timeout (DeadLetterErrors).
    const deadLetter = shipped.deadLetter(world);
    await run.fn(shipped, deadLetter, world, { AWS_ENDPOINT_URL_S3: new URL(hole.url).origin });
    let commit = await run.fn(shipped, shipped.commit(world), world);
    const poller = await run.poller(shipped.poller(world), DEFAULT_METRICS_INTERVAL_MS);
    const from = Date.now();

    const producer = createKafka('alarms').producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const produce = (key: string, count = 1) =>
      producer.send({
        topic,
        messages: Array.from({ length: count }, (_, i) => ({
          key: count === 1 ? key : `${key}-${i % 50}`,
          value: '{}',
        })),
      });
    // A record SQS redrove (a crashed deliverer's): the DLQ consumer takes it and hangs on S3.
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: resources.redriveQueue.url,
        MessageBody: 'redriven, not an envelope',
        MessageGroupId: 'redriven',
        MessageDeduplicationId: 'redriven',
      }),
    );
    // A deliverer whose DynamoDB refuses connections fails its invocation (DeliverErrors) and is
    // killed: the record it held stays invisible for the queue's visibility timeout.
    const deliver = shipped.deliver(world);
    const broken = await run.fn(shipped, deliver, world, { AWS_ENDPOINT_URL_DYNAMODB: REFUSED });
    await produce('probe');
    const failed =
      (fn: string | undefined) =>
      (p: { metric: string; value: number; dimensions: Record<string, string> }) =>
        p.metric === 'Errors' && p.value === 1 && p.dimensions.FunctionName === fn;
    await run.recorded(
      'a failed deliver invocation',
      failed(deliver.environment.AWS_LAMBDA_FUNCTION_NAME),
      30_000,
    );
    await run.stop(broken);
    await run.fn(shipped, deliver, world);
    // The hole at the head of the partition: later records finish, the commit cannot pass it.
    await produce('stuck');
    await produce('early', 10);
    await produce('poison');
    // Rising lag: records keep coming while the commit is stuck (the poller pauses at maxInFlight).
    const producing = setInterval(() => void produce('steady', 3), minute / 2);
    try {
      await sleep(18 * minute);
      // The largest route lag passes the scale-out step (10,000 by default).
      await produce('burst', 10_500);
      await sleep(20 * minute);
    } finally {
      clearInterval(producing);
    }
    // A silent poller, and a commit function that fails (its DynamoDB refuses connections).
    await run.stop(poller);
    await run.stop(commit);
    commit = await run.fn(shipped, shipped.commit(world), world, { AWS_ENDPOINT_URL_DYNAMODB: REFUSED });
    const silentFrom = Date.now();
    await sleep(12 * minute);
    // The DLQ consumer's invocation times out after the function's timeout (one minute).
    const deadLetterName = deadLetter.environment.AWS_LAMBDA_FUNCTION_NAME;
    await run.recorded('a timed-out DLQ consumer invocation', failed(deadLetterName), 90_000);
    // Only whole periods are evaluated: let the longest one that holds the last datapoint end.
    await sleep((Math.max(...alarms.map((a) => a.period)) * 1000) / ALARM_TIME_SCALE + 200);
    const until = Date.now();

    const window = { from, until, timeScale: ALARM_TIME_SCALE, silentFrom };
    const problems = alarms.flatMap((alarm) => alarmProblems(alarm, recorder.datapoints, window));
    assert.ok(alarms.length >= 10, `the template's alarms: ${alarms.map((a) => a.name).join(', ')}`);
    assert.deepEqual(problems, [], `recorded in ${recorder.file}`);
    console.log(`alarms reached ALARM: ${alarms.map((a) => a.logicalId).join(', ')}`);
  });
});
