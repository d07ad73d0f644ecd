// What the local run configures is what the template deploys. The stack for the test's config is
// synthesized afresh (not from local mode's cache) and read here directly, resource by resource,
// then compared with what a running LocalBridge actually has: the queues it created (their
// attributes read back from ElasticMQ), the event source mappings and schedules it runs, each
// function's timeout, reserved concurrency and the environment its in-process code was built from.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { parseBridgeConfig } from '../../lib/config/index.ts';
import { LocalBridge } from '../../lib/local/bridge.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { NOT_EMULATED_QUEUE_ATTRIBUTES, provision } from '../../lib/local/provision.ts';
import { deployableConfig, synthesizeTemplate } from '../../lib/local/template.ts';
import { ENV, SERVICE } from '../../lib/runtime/contract.ts';
import { assertReachable, awsEndpoint, uniqueName as awsUniqueName, sqsEndpoint } from '../support/aws.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  kafkaBrokers,
  uniqueName,
} from '../support/kafka.ts';

type Json = Record<string, unknown>;
let clients: LocalClients;

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  clients = localClients();
});
after(() => destroyClients(clients));

/** The key the local run names a function by, from the template function's environment. */
function localKey(variables: Json, route: string): string | undefined {
  const service = variables[ENV.serviceName];
  if (service === SERVICE.deliver) return `${route}:deliver`;
  if (service === SERVICE.dlq) return `${route}:dead-letter`;
  if (service === SERVICE.commit) return 'commit';
  return undefined; // the notifier: not run locally (docs/deploy.md, "only an account can verify")
}

test('every trigger, queue attribute, timeout and environment variable of the local run is the template’s', {
  timeout: 240_000,
}, async () => {
  const name = uniqueName('wiring');
  const topic = uniqueName('wiring-topic').replaceAll('.', '-');
  await createTopic(topic, 1);
  const config = parseBridgeConfig({
    kafka: { brokers: kafkaBrokers() },
    routes: [{ name, topics: [topic], endpoint: { type: 'http', url: 'http://127.0.0.1:9/x' } }],
  });
  const local = (text: string) => text.replaceAll('route-0', name);
  const { Resources } = await synthesizeTemplate(deployableConfig(config));
  const resources = Object.entries(Resources) as [string, { Type: string; Properties: Json }][];
  const of = (type: string) => resources.filter(([, r]) => r.Type === type);

  const provisioned = await provision(config, clients, {
    tableName: awsUniqueName('wiring-completions'),
    bucket: awsUniqueName('wiring-bucket'),
  });
  const eventsUrl = (
    await clients.sqs.send(new CreateQueueCommand({ QueueName: awsUniqueName('wiring-events') }))
  ).QueueUrl as string;
  const kafka = createKafka('wiring');
  const bridge = new LocalBridge({
    routes: config.routes,
    clients,
    provisioned,
    kafka,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    deadLetterEventsQueueUrl: eventsUrl,
  });
  await bridge.start();
  try {
    // Queues: each named queue exists locally with the template's attributes and redrive.
    const queueUrl = async (queueName: string) =>
      (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: local(queueName) }))).QueueUrl as string;
    const queueNameOf = (id: string) => Resources[id]?.Properties?.QueueName as string | undefined;
    for (const [, q] of of('AWS::SQS::Queue')) {
      const p = q.Properties;
      if (p.QueueName === undefined) continue; // the dead-letter events queue: the caller's here
      const got = (
        await clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: await queueUrl(String(p.QueueName)),
            AttributeNames: ['All'],
          }),
        )
      ).Attributes as Record<string, string>;
      const what = `queue ${local(String(p.QueueName))}`;
      const attributes = ['VisibilityTimeout', 'MessageRetentionPeriod', 'MaximumMessageSize', 'FifoQueue'];
      for (const attribute of attributes) {
        const expected = String(p[attribute] ?? (attribute === 'VisibilityTimeout' ? 30 : ''));
        if (got[attribute] === undefined && NOT_EMULATED_QUEUE_ATTRIBUTES.includes(attribute)) continue;
        assert.equal(got[attribute], expected, `${what}: ${attribute}`);
      }
      const redrive = p.RedrivePolicy as {
        deadLetterTargetArn: { 'Fn::GetAtt': [string] };
        maxReceiveCount: number;
      };
      if (redrive === undefined) assert.equal(got.RedrivePolicy, undefined, `${what}: no redrive`);
      else {
        const policy = JSON.parse(got.RedrivePolicy ?? '{}') as Json;
        assert.equal(Number(policy.maxReceiveCount), redrive.maxReceiveCount, `${what}: maxReceiveCount`);
        const target = local(queueNameOf(redrive.deadLetterTargetArn['Fn::GetAtt'][0]) ?? '');
        assert.ok(
          String(policy.deadLetterTargetArn).endsWith(`:${target}`),
          `${what}: redrives to ${target}`,
        );
      }
    }

    // Functions: timeout, reserved concurrency, environment, every mapping and schedule.
    const configured = new Map(bridge.configured().map((c) => [c.function, c]));
    const seen = new Set<string>();
    for (const [id, f] of of('AWS::Lambda::Function')) {
      const variables = ((f.Properties.Environment as Json | undefined)?.Variables ?? {}) as Json;
      const key = localKey(variables, name);
      if (key === undefined) continue;
      seen.add(key);
      const run = configured.get(key);
      assert.ok(run, `the local run has no ${key}`);
      assert.equal(run.timeoutMs, Number(f.Properties.Timeout) * 1000, `${key}: Timeout`);
      assert.equal(
        run.reservedConcurrency,
        f.Properties.ReservedConcurrentExecutions,
        `${key}: reserved concurrency`,
      );
      // Environment: every variable naming a local resource or the route, as the template sets it.
      const expected: Record<string, string> = {};
      for (const [variable, value] of Object.entries(variables)) {
        const ref = (value as Json).Ref as string | undefined;
        const target = ref === undefined ? undefined : Resources[ref];
        if (variable === ENV.routeName) expected[variable] = local(String(value));
        else if (target?.Type === 'AWS::SQS::Queue')
          expected[variable] =
            target.Properties?.QueueName === undefined
              ? eventsUrl
              : await queueUrl(String(target.Properties.QueueName));
        else if (target?.Type === 'AWS::S3::Bucket') expected[variable] = provisioned.bucket;
        else if (target?.Type === 'AWS::DynamoDB::Table') expected[variable] = provisioned.tableName;
      }
      const actual = Object.fromEntries(Object.keys(expected).map((v) => [v, run.environment?.[v]]));
      assert.deepEqual(actual, expected, `${key}: environment`);
      for (const v of Object.keys(run.environment ?? {}))
        assert.ok(v in variables, `${key}: ${v} is not in the template's environment`);

      const mappings = of('AWS::Lambda::EventSourceMapping')
        .map(([, m]) => m.Properties)
        .filter((m) => JSON.stringify(m.FunctionName) === JSON.stringify({ Ref: id }));
      const sqs = mappings.filter((m) =>
        queueNameOf((m.EventSourceArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]),
      );
      const streams = mappings.filter((m) => !sqs.includes(m));
      assert.equal(run.sqs.length, sqs.length, `${key}: SQS event sources`);
      assert.equal(run.streams.length, streams.length, `${key}: stream event sources`);
      for (const [i, m] of sqs.entries()) {
        const source: (typeof run.sqs)[number] | undefined = run.sqs[i];
        const queue = queueNameOf((m.EventSourceArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]) ?? '';
        assert.equal(source?.queueUrl, await queueUrl(queue), `${key}: reads ${local(queue)}`);
        assert.equal(source?.batchSize, m.BatchSize, `${key}: BatchSize`);
        assert.equal(
          source?.batchingWindowMs,
          Number(m.MaximumBatchingWindowInSeconds ?? 0) * 1000,
          `${key}: window`,
        );
        assert.equal(
          source?.concurrency,
          (m.ScalingConfig as Json).MaximumConcurrency,
          `${key}: MaximumConcurrency`,
        );
        assert.equal(
          source?.reportBatchItemFailures,
          ((m.FunctionResponseTypes ?? []) as string[]).includes('ReportBatchItemFailures'),
          `${key}: partial batch responses`,
        );
      }
      for (const [i, m] of streams.entries()) {
        const source: (typeof run.streams)[number] | undefined = run.streams[i];
        assert.equal(source?.tableName, provisioned.tableName, `${key}: the completions table's stream`);
        assert.equal(source?.batchSize, m.BatchSize, `${key}: stream BatchSize`);
        assert.equal(source?.batchingWindowMs, Number(m.MaximumBatchingWindowInSeconds ?? 0) * 1000);
        assert.deepEqual(
          source?.filters,
          ((m.FilterCriteria as Json | undefined)?.Filters as { Pattern: string }[] | undefined)?.map(
            (p) => p.Pattern,
          ) ?? [],
          `${key}: FilterCriteria`,
        );
        assert.equal(source?.startingPosition, m.StartingPosition, `${key}: StartingPosition`);
        assert.equal(source?.maximumRetryAttempts, m.MaximumRetryAttempts, `${key}: MaximumRetryAttempts`);
        assert.equal(source?.bisectOnError, m.BisectBatchOnFunctionError === true, `${key}: bisect`);
      }
      const rates = of('AWS::Events::Rule')
        .filter(([, r]) =>
          ((r.Properties.Targets ?? []) as { Arn: unknown }[]).some(
            (t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }),
          ),
        )
        .map(([, r]) => String(r.Properties.ScheduleExpression));
      assert.deepEqual(
        run.schedules.map((s) => `rate(${s.rateMs / 60_000} minute${s.rateMs === 60_000 ? '' : 's'})`),
        rates,
        `${key}: schedules`,
      );
    }
    assert.deepEqual(
      [...configured.keys()].sort(),
      [...seen].sort(),
      'the local run runs no function the template lacks',
    );
  } finally {
    await bridge.stop();
  }
});
