// The bridge in local mode, run through every path that calls AWS with BRIDGE_RECORD_CALLS on,
// for test/integration/iam-recorded-calls.test.ts: two routes, A and A-eu (a name that starts
// with the other's), the poller, deliverers, DLQ consumers, commit runs and the notifier.
import assert from 'node:assert/strict';
import { CreateRegistryCommand, CreateSchemaCommand } from '@aws-sdk/client-glue';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type Kafka, logLevel } from 'kafkajs';
import { asComponent, type Caller, recordCalls } from '../../../lib/aws/call-recorder.ts';
import { SecretReader } from '../../../lib/aws/secrets.ts';
import { CompletionStore } from '../../../lib/completion/store.ts';
import { type KafkaConfig, parseBridgeConfig, type Route } from '../../../lib/config/index.ts';
import { REPLAY_MARKER } from '../../../lib/deliver/deliverer.ts';
import { recordId } from '../../../lib/envelope/index.ts';
import { createKafkaClient } from '../../../lib/kafka/client.ts';
import { LocalBridge, type LocalLog } from '../../../lib/local/bridge.ts';
import type { LocalClients } from '../../../lib/local/clients.ts';
import { LocalEventSource } from '../../../lib/local/event-source.ts';
import { type Provisioned, provision } from '../../../lib/local/provision.ts';
import { DiscordClient } from '../../../lib/notify/discord-client.ts';
import { Notifier } from '../../../lib/notify/notifier.ts';
import { processNotifyEvent } from '../../../lib/notify/process.ts';
import {
  eventSendersParameter,
  eventSendersPath,
  ParameterEventSenders,
} from '../../../lib/notify/senders.ts';
import { WebhookDirectory } from '../../../lib/notify/webhook-directory.ts';
import { routeQueueUrl } from '../../../lib/poller/queue-url.ts';
import { COMMIT_ERRORS_MESSAGE, snsEvent } from '../../unit/notify/fixtures.ts';
import { emulatorClientConfig, uniqueName } from '../aws.ts';
import { ledgerCompletion } from '../completions.ts';
import type { FakeDiscord } from '../discord.ts';
import type { TestEndpoint } from '../endpoint.ts';
import { createTopic, kafkaBrokers } from '../kafka.ts';
import { queuedEnvelope, sendQueuedRecord } from '../redriven.ts';
import { glueFramed } from '../schemas.ts';
import { eventually } from '../wait.ts';
import {
  bridgeWebhookSecret,
  glueRegistryOf,
  IAM_STACK_NAME,
  kafkaInput,
  routeInputs,
  topicOf,
  WEBHOOK,
} from './routes.ts';

/** The two routes' names and what the run needs around them. */
export interface RunSetup {
  readonly a: string;
  readonly b: string;
  readonly clients: LocalClients;
  readonly kafka: Kafka;
  readonly discord: FakeDiscord;
  readonly endpoint: TestEndpoint;
  /** Route A-eu's OAuth2 token endpoint. */
  readonly tokenUrl: string;
}

/** What the run created, for the stack's names. */
export interface RunResult {
  readonly provisioned: Provisioned;
  readonly eventsQueue: string;
}

const silent: LocalLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const noMetrics = { count: () => undefined };
interface Prepared extends RunResult {
  readonly routes: readonly Route[];
  readonly kafkaConfig: KafkaConfig;
  readonly events: { readonly url: string; readonly arn: string };
}

/** Creates `registry` in moto's Glue with a JSON schema; frames JSON text as that schema's records. */
async function glueJsonFraming(setup: RunSetup, registry: string): Promise<(json: string) => Buffer> {
  await setup.clients.glue.send(new CreateRegistryCommand({ RegistryName: registry }));
  const created = await setup.clients.glue.send(
    new CreateSchemaCommand({
      RegistryId: { RegistryName: registry },
      SchemaName: 'record',
      DataFormat: 'JSON',
      Compatibility: 'NONE',
      SchemaDefinition: '{"$schema":"http://json-schema.org/draft-07/schema#"}',
    }),
  );
  const versionId = created.SchemaVersionId ?? assert.fail('no schema version id');
  return (json) => glueFramed(versionId, Buffer.from(json));
}

/** Provisions both routes' resources and the events queue, creates the topics and produces the records. */
async function prepare(setup: RunSetup): Promise<Prepared> {
  const { a, b, clients, kafka, endpoint } = setup;
  const { routes, kafka: kafkaConfig } = parseBridgeConfig({
    kafka: kafkaInput(a),
    routes: routeInputs(a, b, (route) => `${endpoint.url}/${route}`, setup.tokenUrl),
  });
  const provisioned = await provision({ kafka: { brokers: kafkaBrokers(), ssl: false }, routes }, clients, {
    tableName: uniqueName('iam-completions'),
    bucket: uniqueName('iam-bucket'),
  });
  const eventsQueue = uniqueName('iam-events');
  const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: eventsQueue }));
  const url = created.QueueUrl ?? assert.fail('no events queue URL');
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = attributes.Attributes?.QueueArn ?? assert.fail('no events queue ARN');
  const producer = kafka.producer();
  await producer.connect();
  // Route B's values are JSON in Glue's wire format (its route.decode): the poller reads the schema.
  const frameB = await glueJsonFraming(setup, glueRegistryOf(b));
  for (const route of routes) {
    const frame = route.name === b ? frameB : (json: string) => Buffer.from(json);
    await createTopic(topicOf(route.name), 1);
    if (route.deadLetter !== undefined) await createTopic(route.deadLetter.kafkaTopic, 1);
    await producer.send({
      topic: topicOf(route.name),
      messages: [
        { key: 'ok', value: frame('{"n":0}') },
        // Over SQS's 1 MiB: a claim check in S3.
        { key: 'big', value: frame(JSON.stringify('x'.repeat(1_100_000))) },
        { key: 'flaky', value: frame('{"n":2}') },
        { key: 'poison', value: frame('{"n":3}') },
        // Parked behind the quarantined key (route A); dead-lettered too (route B).
        { key: 'poison', value: frame('{"n":4}') },
        // A claim check refused for good: route A-eu's DLQ consumer reads it for its failure topic.
        { key: 'poison-big', value: frame(JSON.stringify('y'.repeat(1_100_000))) },
      ],
    });
  }
  await producer.disconnect();
  return { routes, kafkaConfig, provisioned, eventsQueue, events: { url, arn } };
}

/**
 * A Kafka client for `caller`, made as the shipped entry points make theirs (functions/poller.ts,
 * functions/commit.ts): from the config's Kafka section, its secret read through Secrets Manager
 * as that component. A part that connects to Kafka in the run gets its client here, so its reads
 * are recorded and checked against its role like every other call.
 */
export function kafkaFor(setup: RunSetup, prepared: Prepared, caller: Caller): Promise<Kafka> {
  return asComponent(caller, () =>
    createKafkaClient(prepared.kafkaConfig, {
      secrets: new SecretReader(setup.clients.secrets),
      clientId: `iam-${caller.component}`,
      logLevel: logLevel.NOTHING,
    }),
  );
}

/**
 * The routes' sender parameters, as the route stacks write them, in moto's SSM. ElasticMQ stamps
 * the client's IP as SenderId (docs/testing.md), so the list holds that: the check passes and
 * the notifier's GetParameter calls are recorded like the deployed one's.
 */
async function senderParameters(routes: readonly Route[]): Promise<ParameterEventSenders> {
  const path = eventSendersPath(IAM_STACK_NAME);
  const setupClient = new SSMClient(emulatorClientConfig());
  for (const route of routes) {
    await setupClient.send(
      new PutParameterCommand({
        Name: eventSendersParameter(path, route.name),
        Value: JSON.stringify(['127.0.0.1']),
        Type: 'String',
        Overwrite: true,
      }),
    );
  }
  setupClient.destroy();
  return new ParameterEventSenders(
    recordCalls(new SSMClient(emulatorClientConfig()), { component: 'notifier' }),
    path,
  );
}

/** The notify function's logic behind its SQS event source on the dead-letter events queue. */
async function notifierOf(
  setup: RunSetup,
  prepared: Prepared,
): Promise<{ notifier: Notifier; source: LocalEventSource }> {
  const { routes, events } = prepared;
  const senders = await senderParameters(routes);
  const notifier = new Notifier({
    routes,
    webhooks: new WebhookDirectory(
      new SecretReader(setup.clients.secrets),
      routes,
      bridgeWebhookSecret(setup.a),
    ),
    client: new DiscordClient(),
    logger: silent,
    metrics: noMetrics,
  });
  const source = new LocalEventSource({
    sqs: setup.clients.sqs,
    queueUrl: events.url,
    queueArn: events.arn,
    waitTimeSeconds: 1,
    handler: async (event) => {
      await processNotifyEvent(event, { notifier, logger: silent, metrics: noMetrics, senders });
      return { batchItemFailures: [] };
    },
  });
  return { notifier, source };
}

/** Runs the bridge through its main paths; everything it calls lands in the recording. */
export async function runBridge(setup: RunSetup): Promise<RunResult> {
  const { a, b, clients, discord } = setup;
  const problems: string[] = [];
  const log: LocalLog = {
    ...silent,
    error: (message, details) => problems.push(`${message} ${JSON.stringify(details)}`),
  };
  const wait = <T>(what: string, probe: () => Promise<T | undefined>) =>
    eventually(what, probe, { timeoutMs: 60_000, intervalMs: 200, problems });
  const prepared = await prepare(setup);
  const { routes, provisioned } = prepared;
  // The poller's start looks its queues up by name.
  for (const route of routes)
    await asComponent({ component: 'poller' }, () => routeQueueUrl(clients.sqs, route));
  const { notifier, source } = await notifierOf(setup, prepared);
  const bridge = new LocalBridge({
    routes,
    clients,
    provisioned,
    kafka: await kafkaFor(setup, prepared, { component: 'poller' }),
    commitKafka: await kafkaFor(setup, prepared, { component: 'commit' }),
    // Route B's DLQ consumer writes its failure topic: its client reads the Kafka secret as it.
    deadLetterKafka: await kafkaFor(setup, prepared, { component: 'dlq', route: b }),
    log,
    progressPollMs: 300,
    deadLetterEventsQueueUrl: prepared.events.url,
  });
  asComponent({ component: 'notifier' }, () => source.start());
  await bridge.start();
  try {
    for (const route of routes) await redrive(clients, route, provisioned);
    for (const route of routes) await replayed(clients, route, provisioned);
    const completions = new CompletionStore({ client: clients.dynamo, tableName: provisioned.tableName });
    for (const route of [a, b]) {
      for (const offset of [0n, 1n, 2n, 3n, 4n, 5n, 1_000_000n, 1_000_001n, 2_000_000n])
        await wait(`${route} offset ${offset}`, () =>
          ledgerCompletion(completions, route, topicOf(route), 0, offset),
        );
    }
    await wait('the commit of both routes', async () =>
      bridge.progress().every((p) => p.partitions[0]?.after === 6n) ? true : undefined,
    );
    // An alarm arrives by SNS (no role involved) and goes to the bridge's own webhook.
    await asComponent({ component: 'notifier' }, () =>
      processNotifyEvent(snsEvent(COMMIT_ERRORS_MESSAGE), { notifier, logger: silent, metrics: noMetrics }),
    );
    // Each route's dead-letter summary on its team's webhook, the alarm on the bridge's.
    await wait('a post to each webhook', async () =>
      Object.values(WEBHOOK).every((id) =>
        discord.requests.some((r) => r.path.startsWith(`/api/webhooks/${id}/`)),
      )
        ? true
        : undefined,
    );
  } finally {
    await bridge.stop();
    await source.stop();
  }
  return { provisioned, eventsQueue: prepared.eventsQueue };
}

/**
 * Two messages of one key that SQS redrove by itself (a deliverer that crashed on them): the
 * DLQ consumer's path, the second finding its key quarantined already (route A).
 */
async function redrive(clients: LocalClients, route: Route, provisioned: Provisioned): Promise<void> {
  const queue = provisioned.routes.get(route.name)?.redriveQueue ?? assert.fail('no redrive queue');
  for (const offset of ['1000000', '1000001'])
    await sendQueuedRecord(clients.sqs, queue.url, {
      route: route.name,
      topic: topicOf(route.name),
      offset,
      key: 'crashed',
      value: '{"crashed":true}',
    });
}

/**
 * A record an operator replayed (the CLI's `bridge-replay` attribute): its duplicate check and
 * its outcome are a per-record completion (BatchGetItem, PutItem), not the ledger entry.
 */
async function replayed(clients: LocalClients, route: Route, provisioned: Provisioned): Promise<void> {
  const queue = provisioned.routes.get(route.name)?.queue ?? assert.fail('no queue');
  const record = {
    route: route.name,
    topic: topicOf(route.name),
    offset: '2000000',
    key: 'replayed',
    value: '{"replayed":true}',
  };
  await sendQueuedRecord(clients.sqs, queue.url, record, {
    dedupSuffix: '-replay',
    attributes: { [REPLAY_MARKER]: { DataType: 'String', StringValue: recordId(queuedEnvelope(record)) } },
  });
}
