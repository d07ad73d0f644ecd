// Alarms from emitted metrics: one route synthesized through the package's entry point and run
// from what ships (test/support/shipped.ts), every metric its processes write recorded (EMF on
// stdout, test/support/metrics/recorder.ts; AWS's own Lambda and SQS metrics by stand-ins,
// test/support/metrics/vended.ts), then every alarm of the synthesized templates checked:
//   1. each metric it reads (every input of a math expression) was recorded in exactly its
//      series: namespace, name and dimension set;
//   2. evaluated with its own statistic, threshold, period, evaluation periods, datapoints to
//      alarm and missing-data rule over the recorded datapoints, it reaches ALARM in the
//      scenario below, which drives every condition the stack alarms on.
// Time is scaled by TIME_SCALE: every clock the alarms depend on (periods, the commit schedule,
// the poller's metric interval, the vended metrics' minute) is divided by it, so each period
// holds the datapoints a deployed one would, and an alarm's M-of-N outcome is the deployed
// one's (docs/testing.md, "Alarms from emitted metrics").
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { parseBridgeConfig, type RouteInput } from '../../index.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { provision } from '../../lib/local/provision.ts';
import { assertReachable, awsEndpoint, uniqueName as awsUniqueName, sqsEndpoint } from '../support/aws.ts';
import { BlackHole, TestEndpoint } from '../support/endpoint.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  kafkaBrokers,
  uniqueName,
} from '../support/kafka.ts';
import { evaluateAlarm } from '../support/metrics/alarm-eval.ts';
import { inSeries } from '../support/metrics/datapoints.ts';
import { MetricRecorder } from '../support/metrics/recorder.ts';
import { type TemplateAlarm, templateAlarms } from '../support/metrics/template-alarms.ts';
import { sampleQueueDepths } from '../support/metrics/vended.ts';
import { type LocalWorld, ShippedApp, type ShippedFunction, startProcess } from '../support/shipped.ts';

const RUNNER = fileURLToPath(new URL('../support/lambda-runner.ts', import.meta.url));
const PLACEHOLDER_ENDPOINT = 'https://alarms.example.com/kafka';
const PLACEHOLDER_BROKER = 'broker.example.com:9092';
/**
 * A deployed minute is two seconds here. Not one: a commit run takes up to about a second on
 * the 2-core machine, and its datapoints are stamped when it ends, so a one-second period would
 * sometimes hold none (a deployed run takes about a second of a one-minute period).
 */
const TIME_SCALE = 30;
/** What the deployed clocks are: the commit schedule (template) and the poller's metric interval (functions/poller.ts). */
const POLLER_METRICS_INTERVAL_MS = 60_000;
const REFUSED = 'http://127.0.0.1:1';

let clients: LocalClients;
let endpoint: TestEndpoint | undefined;
let hole: BlackHole | undefined;
let outdir = '';
const children: ChildProcess[] = [];
/** Run in after(), also when the test failed half-way (a connected producer keeps the file alive). */
const cleanups: (() => unknown)[] = [];
const logs: string[] = [];
const recorder = new MetricRecorder('alarms');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  clients = localClients();
});

after(async () => {
  for (const cleanup of cleanups) await cleanup();
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await endpoint?.stop();
  await hole?.stop();
  if (clients !== undefined) destroyClients(clients);
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

/** A function's bundle under the runner, its trigger reproduced, its stdout recorded. */
async function run(
  fn: ShippedFunction,
  trigger: 'sqs' | 'schedule',
  everyMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const child = await startProcess(
    ['--enable-source-maps', RUNNER],
    {
      ...fn.environment,
      ...env,
      RUNNER_BUNDLE: fn.bundle,
      RUNNER_TRIGGER: trigger,
      RUNNER_TIMEOUT_MS: String(fn.timeoutMs),
      RUNNER_EVERY_MS: String(everyMs),
      RUNNER_TIME_SCALE: String(TIME_SCALE),
      ...(fn.source === undefined
        ? {}
        : {
            RUNNER_QUEUE_URL: fn.source.queueUrl,
            RUNNER_QUEUE_ARN: fn.source.queueArn,
            RUNNER_CONCURRENCY: String(fn.source.concurrency),
          }),
    },
    /runner ready/,
    logs,
    recorder.feeder(),
  );
  children.push(child);
  return child;
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return exited;
}

/** Waits until a vended or emitted datapoint matching `what` was recorded. */
async function recorded(
  what: string,
  match: (p: (typeof recorder.datapoints)[number]) => boolean,
  ms: number,
) {
  const deadline = Date.now() + ms;
  while (!recorder.datapoints.some(match)) {
    assert.ok(Date.now() < deadline, `no datapoint: ${what}; ${logs.slice(-8).join('').slice(-2_000)}`);
    await sleep(200);
  }
}

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

    const [broker] = kafkaBrokers();
    const localRoute = { ...route, endpoint: { type: 'http' as const, url: endpoint.url, timeoutMs: 2_000 } };
    const provisioned = await provision(
      parseBridgeConfig({ kafka: { brokers: kafkaBrokers() }, routes: [localRoute] }),
      clients,
      { tableName: awsUniqueName('alarms-completions'), bucket: awsUniqueName('alarms-bucket') },
    );
    const own = provisioned.routes.get(name);
    assert.ok(own);
    const eventsUrl = (
      await clients.sqs.send(new CreateQueueCommand({ QueueName: awsUniqueName('alarms-events') }))
    ).QueueUrl as string;
    const eventsArn = (
      await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: eventsUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn as string;
    const queues = new Map(
      [own.queue, own.deadLetterQueue, own.redriveQueue].map((q) => [q.url.split('/').at(-1) ?? '', q]),
    );
    const world: LocalWorld = {
      queues,
      deadLetterEvents: { url: eventsUrl, arn: eventsArn },
      bucket: provisioned.bucket,
      table: provisioned.tableName,
      placeholders: [
        [PLACEHOLDER_ENDPOINT, endpoint.url],
        [PLACEHOLDER_BROKER, broker ?? '127.0.0.1:9092'],
      ],
    };
    const minute = 60_000 / TIME_SCALE;
    const stopSampling: () => void = sampleQueueDepths(
      clients.sqs,
      new Map([...queues].map(([queueName, q]) => [queueName, q.url])),
      TIME_SCALE,
      (point) => recorder.datapoints.push(point),
    );
    cleanups.push(stopSampling);

    // The DLQ consumer's S3 hangs: its invocation outlives the function's timeout (DeadLetterErrors).
    const holeUrl = new URL(hole.url).origin;
    const deliver = shipped.deliver(world);
    await run(shipped.deadLetter(world), 'sqs', minute, { AWS_ENDPOINT_URL_S3: holeUrl });
    let commit = await run(shipped.commit(world), 'schedule', minute);
    const poller = shipped.poller(world);
    const pollerProcess = await startProcess(
      ['--enable-source-maps', poller.bundle],
      {
        ...poller.environment,
        HEALTH_PORT: '0',
        SESSION_TIMEOUT_MS: '6000',
        PROGRESS_POLL_MS: '300',
        METRICS_INTERVAL_MS: String(POLLER_METRICS_INTERVAL_MS / TIME_SCALE),
      },
      /health endpoint listening/,
      logs,
      recorder.feeder(),
    );
    children.push(pollerProcess);
    const from = Date.now();

    const kafka = createKafka('alarms');
    const producer = kafka.producer();
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
        QueueUrl: own.redriveQueue.url,
        MessageBody: 'redriven, not an envelope',
        MessageGroupId: 'redriven',
        MessageDeduplicationId: 'redriven',
      }),
    );
    // A deliverer whose DynamoDB refuses connections fails its invocation (DeliverErrors) and is
    // killed: the record it held stays invisible for the queue's visibility timeout.
    const broken = await run(deliver, 'sqs', minute, { AWS_ENDPOINT_URL_DYNAMODB: REFUSED });
    await produce('probe');
    const deliverName = deliver.environment.AWS_LAMBDA_FUNCTION_NAME;
    await recorded(
      'a failed deliver invocation',
      (p) => p.metric === 'Errors' && p.value === 1 && p.dimensions.FunctionName === deliverName,
      30_000,
    );
    await stop(broken);
    await run(deliver, 'sqs', minute);
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
    await stop(pollerProcess);
    await stop(commit);
    commit = await run(shipped.commit(world), 'schedule', minute, { AWS_ENDPOINT_URL_DYNAMODB: REFUSED });
    const silentFrom = Date.now();
    await sleep(12 * minute);
    // The DLQ consumer's invocation times out after the function's timeout (one minute).
    await recorded(
      'a timed-out DLQ consumer invocation',
      (p) =>
        p.metric === 'Errors' &&
        p.value === 1 &&
        p.dimensions.FunctionName === shipped.deadLetter(world).environment.AWS_LAMBDA_FUNCTION_NAME,
      90_000,
    );
    // Only whole periods are evaluated: let the longest one that holds the last datapoint end.
    await sleep((Math.max(...alarms.map((a) => a.period)) * 1000) / TIME_SCALE + 200);
    const until = Date.now();

    const problems: string[] = [];
    for (const alarm of alarms) {
      for (const query of alarm.queries) {
        const stat = query.metricStat;
        if (stat === undefined) continue;
        const origin = stat.namespace.startsWith('AWS/') ? 'vended' : 'emf';
        const points = recorder.datapoints.filter((p) => inSeries(p, stat));
        if (points.length === 0 || points.some((p) => p.origin !== origin)) {
          const near = recorder.datapoints.filter(
            (p) => p.namespace === stat.namespace && p.metric === stat.metric,
          );
          const sets = [...new Set(near.map((p) => JSON.stringify(p.dimensions)))].join(' ');
          problems.push(
            `${alarm.name} (${query.id}): no ${origin} datapoint of ${stat.namespace} ${stat.metric} ${JSON.stringify(stat.dimensions)}; recorded dimension sets of it: ${sets || 'none'}`,
          );
        }
      }
      const evaluation = evaluateAlarm(alarm, recorder.datapoints, { from, until, timeScale: TIME_SCALE });
      const firstAlarm = evaluation.states.find((s) => s.state === 'ALARM');
      if (firstAlarm === undefined) {
        problems.push(`${alarm.name} never reached ALARM; its series: ${JSON.stringify(evaluation.series)}`);
      } else if (alarm.treatMissingData === 'breaching' && firstAlarm.at < silentFrom) {
        // Missing data breaches: the alarm must fire because the publisher went silent, not before.
        problems.push(
          `${alarm.name} was in ALARM before its publisher stopped; series ${JSON.stringify(evaluation.series)}`,
        );
      }
    }
    assert.ok(alarms.length >= 10, `the template's alarms: ${alarms.map((a) => a.name).join(', ')}`);
    assert.deepEqual(problems, [], `recorded in ${recorder.file}`);
    console.log(`alarms reached ALARM: ${alarms.map((a: TemplateAlarm) => a.logicalId).join(', ')}`);
  });
});
