// The schema registry's alarm (RegistryUnavailable) from what ships, as test/e2e/alarms.test.ts
// checks the others (whose route decodes nothing): a route with route.decode synthesized through
// the package's entry point, its poller run from the image context's bundle with every EMF line
// recorded, its Confluent-compatible registry stopped once the records were written. The alarm of
// the synthesized template must read a recorded series, reach ALARM over the recorded datapoints
// while the registry is away, and be OK again once the registry answers.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RouteInput } from '../../index.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { DEFAULT_METRICS_INTERVAL_MS } from '../../lib/poller/route-metrics.ts';
import { METRIC } from '../../lib/runtime/contract.ts';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import { TestConfluentRegistry } from '../support/confluent-registry.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  kafkaBrokers,
  uniqueName,
} from '../support/kafka.ts';
import { alarmProblems } from '../support/metrics/alarm-check.ts';
import { evaluateAlarm } from '../support/metrics/alarm-eval.ts';
import {
  ALARM_TIME_SCALE,
  PLACEHOLDER_BROKER,
  PLACEHOLDER_ENDPOINT,
} from '../support/metrics/alarm-world.ts';
import { provisionWorld, RecordedRun } from '../support/metrics/recorded-run.ts';
import { templateAlarms } from '../support/metrics/template-alarms.ts';
import { AVRO_ORDER_SCHEMA, ORDER } from '../support/schemas.ts';
import { ShippedApp } from '../support/shipped.ts';

const PLACEHOLDER_REGISTRY = 'https://registry.example.com';
const NEVER_CALLED = 'http://127.0.0.1:9/never-called';

let clients: LocalClients;
let outdir = '';
const registry = new TestConfluentRegistry();
const run = new RecordedRun('registry-alarm', ALARM_TIME_SCALE);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  clients = localClients();
});

after(async () => {
  run.close();
  await registry.stop();
  if (clients !== undefined) destroyClients(clients);
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

describe('the schema registry alarm, over the metrics the shipped poller emits', () => {
  test('a registry that stops answering: RegistryUnavailable reads a recorded series, reaches ALARM, and is OK once it is back', {
    timeout: 180_000,
  }, async () => {
    const name = uniqueName('registry-alarm');
    const topic = uniqueName('registry-alarm-topic').replaceAll('.', '-');
    await createTopic(topic, 1);
    await registry.start();
    const serializer = new SchemaRegistry({ host: registry.url });
    const { id } = await serializer.register(
      { type: SchemaType.AVRO, schema: AVRO_ORDER_SCHEMA },
      { subject: uniqueName('alarm-orders') },
    );
    // Written while the registry is up; the poller meets them with the registry gone.
    const values = await Promise.all([1, 2].map((n) => serializer.encode(id, { ...ORDER, id: n })));
    await registry.stop();

    const route: RouteInput = {
      name,
      topics: [topic],
      endpoint: { type: 'http', url: PLACEHOLDER_ENDPOINT, timeoutMs: 2_000 },
      decode: { registry: { type: 'confluent', url: PLACEHOLDER_REGISTRY, timeoutMs: 500 } },
    };
    const shipped = new ShippedApp(route, [PLACEHOLDER_BROKER]);
    outdir = shipped.outdir;
    const alarms = templateAlarms(outdir).filter((a) => a.logicalId.startsWith('RouteRegistryUnavailable'));
    assert.equal(alarms.length, 1, 'the decoding route has the alarm');
    const [alarm] = alarms;
    assert.ok(alarm);
    const { world } = await provisionWorld(
      clients,
      route,
      [
        [PLACEHOLDER_ENDPOINT, NEVER_CALLED],
        [PLACEHOLDER_BROKER, kafkaBrokers()[0] ?? '127.0.0.1:9092'],
        [PLACEHOLDER_REGISTRY, registry.url],
      ],
      NEVER_CALLED,
    );
    await run.poller(shipped.poller(world), DEFAULT_METRICS_INTERVAL_MS);
    const from = Date.now();
    const producer = createKafka('registry-alarm').producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: values.map((value, n) => ({ key: `k${n}`, value })) });
    } finally {
      await producer.disconnect();
    }
    const held = (p: { metric: string; value: number }) =>
      p.metric === METRIC.pollerRegistryHeld && p.value >= 1;
    await run.recorded('a partition held by the registry', held, 60_000);
    // Held for 8 deployed minutes (the alarm needs 4 of 5), then the whole period that holds
    // the last datapoint ends.
    await sleep(8 * run.minute + (alarm.period * 1000) / ALARM_TIME_SCALE + 200);
    const window = { from, until: Date.now(), timeScale: ALARM_TIME_SCALE, silentFrom: from };
    assert.deepEqual(
      alarmProblems(alarm, run.recorder.datapoints, window),
      [],
      `recorded in ${run.recorder.file}`,
    );

    // The registry back on its port: the partition resumes, held goes to 0, the alarm to OK.
    await registry.start();
    const back = Date.now();
    await run.recorded(
      'no partition held once the registry answers',
      (p) => p.metric === METRIC.pollerRegistryHeld && p.timestamp > back && p.value === 0,
      60_000,
    );
    await sleep(3 * run.minute + (alarm.period * 1000) / ALARM_TIME_SCALE + 200);
    const states = evaluateAlarm(alarm, run.recorder.datapoints, {
      ...window,
      until: Date.now(),
    }).states;
    assert.equal(states.at(-1)?.state, 'OK', `states: ${JSON.stringify(states)}`);
  });
});
