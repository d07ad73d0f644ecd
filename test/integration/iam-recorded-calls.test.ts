// IAM from the runtime's own calls (docs/deploy.md, "IAM: checked from recorded calls"): the
// whole bridge runs in local mode against the broker and emulators with BRIDGE_RECORD_CALLS on,
// through its main paths (poller forward + claim check, deliver success, retry across
// receives with the attempt log and the breaker, dead letter + quarantine + park, the DLQ
// consumer, commit runs with the lease, the notifier reading its webhook secrets). Every
// recorded call is then evaluated against the role the synthesized stack gives its component,
// every granted action must have been used, and route A's calls moved onto route B's names
// must be denied.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Kafka } from 'kafkajs';
import { KafkaBridge } from '../../cdk/lib/kafka-bridge.ts';
import { asComponent, RECORD_CALLS_ENV, type RecordedCall } from '../../lib/aws/call-recorder.ts';
import { SecretReader } from '../../lib/aws/secrets.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import {
  type BridgeConfigInput,
  parseBridgeConfig,
  type Route,
  type RouteInput,
} from '../../lib/config/index.ts';
import { deduplicationId, type Envelope, encodeEnvelope } from '../../lib/envelope/index.ts';
import { LocalBridge, type LocalLog } from '../../lib/local/bridge.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { LocalEventSource } from '../../lib/local/event-source.ts';
import { type Provisioned, provision } from '../../lib/local/provision.ts';
import { DiscordClient } from '../../lib/notify/discord-client.ts';
import { Notifier } from '../../lib/notify/notifier.ts';
import { processNotifyEvent } from '../../lib/notify/process.ts';
import { WebhookDirectory } from '../../lib/notify/webhook-directory.ts';
import { routeQueueUrl } from '../../lib/poller/queue-url.ts';
import { assertReachable, awsEndpoint, sqsEndpoint, uniqueName } from '../support/aws.ts';
import { FakeDiscord } from '../support/discord.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import { evaluate, type Statement } from '../support/iam/policy.ts';
import {
  type ComponentRole,
  callKind,
  componentRoles,
  deniedCalls,
  describeCall,
  requestsOf,
  roleLabel,
  roleOf,
  unusedGrants,
} from '../support/iam/roles.ts';
import type { Deployment } from '../support/iam/template.ts';
import { assertKafkaReachable, createKafka, createTopic } from '../support/kafka.ts';
import { COMMIT_ERRORS_MESSAGE, snsEvent } from '../unit/notify/fixtures.ts';

const DEPLOYMENT = { account: '123456789012', region: 'us-east-1' } as const;
const recording = join(mkdtempSync(join(tmpdir(), 'bridge-calls-')), 'calls.jsonl');
// Set before any client is built: localClients() reads it.
process.env[RECORD_CALLS_ENV] = recording;

/**
 * What CDK's event sources grant a function (SqsEventSource: grantConsumeMessages;
 * DynamoEventSource: the stream reads): the Lambda service's event source mapping calls them
 * with the function's role, so they are not the runtime's to use. The calls LocalEventSource
 * makes in its place (receive, delete) are recorded and must be allowed all the same.
 */
const EVENT_SOURCE_GRANTS = [
  [
    'sqs:ChangeMessageVisibility',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
    'sqs:ReceiveMessage',
  ],
  ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
  ['dynamodb:ListStreams'],
].map((actions) => JSON.stringify(actions));
function notTheRuntimes(_role: ComponentRole, action: string, statement: Statement): boolean {
  // MSK IAM permissions are Kafka's, checked per role by the Kafka tests; none with this config.
  if (action.startsWith('kafka-cluster:')) return true;
  const actions = typeof statement.Action === 'string' ? [statement.Action] : [...(statement.Action ?? [])];
  return EVENT_SOURCE_GRANTS.includes(JSON.stringify(actions.sort()));
}

const silent: LocalLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const problems: string[] = [];
const log: LocalLog = {
  ...silent,
  error: (message, details) => problems.push(`${message} ${JSON.stringify(details)}`),
};

let clients: LocalClients;
let endpoint: TestEndpoint;
let discord: FakeDiscord;
let kafka: Kafka;
const a = uniqueName('iam');
// A name that starts with A's: `a#*` must not reach it.
const b = `${a}-eu`;
const topicOf = (route: string) => `${route}-topic`;
const bridgeWebhookSecret = `${a}/bridge-discord`;

function routeInputs(url: (route: string) => string): RouteInput[] {
  const common = (name: string) => ({
    name,
    topics: [topicOf(name)],
    endpoint: {
      type: 'http' as const,
      url: url(name),
      headersSecret: `${name}/headers`,
      signingSecret: `${name}/signing`,
      timeoutMs: 2_000,
    },
    alerts: { discordWebhookSecret: `${name}/discord` },
  });
  return [
    {
      ...common(a),
      ordering: 'key',
      onPoison: 'quarantine',
      retry: { attempts: 4, inProcessAttempts: 1, baseMs: 100, maxMs: 1_000 },
      // Never opens here (minCalls): its item is still read and counted on every batch.
      breaker: { minCalls: 1_000 },
      responses: { retryable: ['5xx'] },
    },
    // No quarantine and no breaker: its roles must hold neither.
    {
      ...common(b),
      onPoison: 'dlq',
      retry: { attempts: 4, inProcessAttempts: 1, baseMs: 100, maxMs: 1_000 },
    },
  ];
}

async function createSecrets(): Promise<void> {
  for (const route of [a, b]) {
    const values: Record<string, string> = {
      [`${route}/headers`]: JSON.stringify({ 'x-api-key': `key-of-${route}` }),
      [`${route}/signing`]: `signing-key-of-${route}`,
      [`${route}/discord`]: discord.webhook(route === a ? '111111111111111111' : '222222222222222222').url,
    };
    for (const [Name, SecretString] of Object.entries(values))
      await clients.secrets.send(new CreateSecretCommand({ Name, SecretString }));
  }
  await clients.secrets.send(
    new CreateSecretCommand({
      Name: bridgeWebhookSecret,
      SecretString: discord.webhook('999999999999999999').url,
    }),
  );
}

/** The stack for the same routes, its endpoints as a deployed config has them; the roles and the deployed names. */
function synthesize(provisioned: Provisioned, eventsQueue: string): { roles: ComponentRole[] } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'IamCheck', { env: DEPLOYMENT });
  const config: BridgeConfigInput = {
    kafka: { brokers: ['b-1.kafka.example.com:9094'], ssl: true },
    routes: routeInputs((route) => `https://${route}.example.com/kafka`),
  };
  const bridge = new KafkaBridge(stack, 'Bridge', {
    config,
    discordWebhookSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Hook', bridgeWebhookSecret),
  });
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnResource);
  const deployment: Deployment = {
    ...DEPLOYMENT,
    physicalNames: {
      [id(bridge.completionTable)]: provisioned.tableName,
      [id(bridge.bucket)]: provisioned.bucket,
      [id(bridge.deadLetterEvents)]: eventsQueue,
    },
  };
  return { roles: componentRoles(Template.fromStack(stack).toJSON() as never, deployment) };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; errors: ${problems.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let calls: RecordedCall[] = [];

function readCalls(file: string): RecordedCall[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RecordedCall);
}

/**
 * Recordings of the wider suites to compare with (BRIDGE_RECORD_CALLS=<dir> npm run
 * test:reliability, for example): every kind of call they saw must be one this test's run
 * makes too, else the grant check above did not see it.
 */
const OTHER_RECORDINGS = process.env.BRIDGE_RECORDED_CALLS_COMPARE;
let roles: ComponentRole[] = [];

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB, Secrets Manager)');
  await assertKafkaReachable();
  clients = localClients();
  discord = await FakeDiscord.start();
  // A's `flaky` key fails once (a retry in a later receive), `poison` keys are refused for good.
  endpoint = await TestEndpoint.start((request) => {
    if (request.key?.startsWith('poison') === true) return { status: 422, body: 'refused' };
    if (request.key === 'flaky' && request.nth === 1) return { status: 503, body: 'busy' };
    return { status: 200, body: 'ok' };
  });
  await createSecrets();
  kafka = createKafka('iam-recorded-calls');
});

after(async () => {
  await endpoint?.stop();
  await discord?.stop();
  if (clients !== undefined) destroyClients(clients);
});

/** Runs the bridge through its main paths; everything it calls lands in the recording. */
async function runBridge(): Promise<{
  provisioned: Provisioned;
  eventsQueue: string;
  routes: readonly Route[];
}> {
  const { routes } = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: routeInputs((route) => `${endpoint.url}/${route}`),
  });
  const provisioned = await provision(
    { kafka: { brokers: ['127.0.0.1:9092'], ssl: false }, routes },
    clients,
    {
      tableName: uniqueName('iam-completions'),
      bucket: uniqueName('iam-bucket'),
    },
  );
  const eventsQueue = uniqueName('iam-events');
  const events = await clients.sqs.send(new CreateQueueCommand({ QueueName: eventsQueue }));
  const eventsUrl = events.QueueUrl ?? assert.fail('no events queue URL');
  const eventsArn = (
    await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: eventsUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;
  for (const route of routes) {
    await createTopic(topicOf(route.name), 1);
    // The poller's start looks its queues up by name.
    await asComponent({ component: 'poller' }, () => routeQueueUrl(clients.sqs, route));
  }
  const producer = kafka.producer();
  await producer.connect();
  for (const route of routes) {
    await producer.send({
      topic: topicOf(route.name),
      messages: [
        { key: 'ok', value: '{"n":0}' },
        // Over SQS's 1 MiB: a claim check in S3.
        { key: 'big', value: Buffer.alloc(1_100_000, 'x') },
        { key: 'flaky', value: '{"n":2}' },
        { key: 'poison', value: '{"n":3}' },
        // Parked behind the quarantined key (route A); dead-lettered too (route B).
        { key: 'poison', value: '{"n":4}' },
      ],
    });
  }
  await producer.disconnect();

  const notifier = new Notifier({
    routes,
    webhooks: new WebhookDirectory(new SecretReader(clients.secrets), routes, bridgeWebhookSecret),
    client: new DiscordClient(),
    logger: silent,
    metrics: { count: () => undefined },
  });
  const notify = new LocalEventSource({
    sqs: clients.sqs,
    queueUrl: eventsUrl,
    queueArn: eventsArn ?? '',
    waitTimeSeconds: 1,
    handler: async (event) => {
      await processNotifyEvent(event, { notifier, logger: silent, metrics: { count: () => undefined } });
      return { batchItemFailures: [] };
    },
  });
  const bridge = new LocalBridge({
    routes,
    clients,
    provisioned,
    kafka,
    log,
    commitIntervalMs: 300,
    progressPollMs: 300,
    deadLetterEventsQueueUrl: eventsUrl,
  });
  asComponent({ component: 'notifier' }, () => notify.start());
  await bridge.start();
  try {
    for (const route of routes) await redrive(route, provisioned);
    const completions = new CompletionStore({ client: clients.dynamo, tableName: provisioned.tableName });
    for (const route of [a, b]) {
      for (const offset of [0n, 1n, 2n, 3n, 4n, 1_000_000n, 1_000_001n])
        await waitFor(`${route} offset ${offset}`, () => completions.get(route, topicOf(route), 0, offset));
    }
    await waitFor('the commit of both routes', async () => {
      const done = bridge.progress().every((p) => p.partitions[0]?.after === 5n);
      return done ? true : undefined;
    });
    // An alarm arrives by SNS (no role involved) and goes to the bridge's own webhook.
    await asComponent({ component: 'notifier' }, () =>
      processNotifyEvent(snsEvent(COMMIT_ERRORS_MESSAGE), {
        notifier,
        logger: silent,
        metrics: { count: () => undefined },
      }),
    );
    // Each route's dead-letter summary on its team's webhook, the alarm on the bridge's.
    const webhooks = ['111111111111111111', '222222222222222222', '999999999999999999'];
    await waitFor('a post to each webhook', async () =>
      webhooks.every((id) => discord.requests.some((r) => r.path.startsWith(`/api/webhooks/${id}/`)))
        ? true
        : undefined,
    );
  } finally {
    await bridge.stop();
    await notify.stop();
  }
  return { provisioned, eventsQueue, routes };
}

/**
 * Two messages of one key that SQS redrove by itself (a deliverer that crashed on them): the
 * DLQ consumer's path, the second finding its key quarantined already (route A).
 */
async function redrive(route: Route, provisioned: Provisioned): Promise<void> {
  const queue = provisioned.routes.get(route.name)?.redriveQueue ?? assert.fail('no redrive queue');
  for (const offset of ['1000000', '1000001']) {
    const envelope: Envelope = {
      route: route.name,
      topic: topicOf(route.name),
      partition: 0,
      offset,
      from: offset,
      timestamp: String(Date.now()),
      key: Buffer.from('crashed'),
      headers: [],
      value: { inline: Buffer.from('{"crashed":true}') },
    };
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: encodeEnvelope(envelope),
        MessageGroupId: 'crashed',
        MessageDeduplicationId: deduplicationId(envelope),
      }),
    );
  }
}

describe('IAM from recorded calls', () => {
  before(
    async () => {
      const run = await runBridge();
      calls = readCalls(recording);
      roles = synthesize(run.provisioned, run.eventsQueue).roles;
    },
    { timeout: 180_000 },
  );

  test('every component made calls, and each has its role in the template', () => {
    const seen = new Set(calls.map((call) => `${call.component}${call.route ? `:${call.route}` : ''}`));
    for (const expected of ['poller', 'commit', 'notifier', `deliverer:${a}`, `deliverer:${b}`, `dlq:${a}`])
      assert.ok(seen.has(expected), `no calls recorded for ${expected}; saw ${[...seen].join(', ')}`);
    assert.equal(roles.length, 7, `roles: ${roles.map(roleLabel).join(', ')}`);
  });

  test("each recorded call is allowed by its component's role", () => {
    assert.deepEqual(deniedCalls(roles, calls, DEPLOYMENT), []);
  });

  test('each granted action was called (event source and managed policies aside)', () => {
    assert.deepEqual(unusedGrants(roles, calls, DEPLOYMENT, notTheRuntimes), []);
    for (const role of roles) {
      for (const arn of role.managedPolicies)
        assert.match(
          arn,
          /:iam::aws:policy\/service-role\/AWSLambda(Basic|VPCAccess)ExecutionRole$/,
          roleLabel(role),
        );
    }
  });

  test(`route ${a}'s functions are denied route ${b}'s keys, prefixes, queues and secrets`, () => {
    let checked = 0;
    for (const call of calls.filter((c) => c.route === a)) {
      const role = roleOf(roles, call) ?? assert.fail(`no role for ${describeCall(call)}`);
      // Route B's names where A's were: queues, partition keys, S3 prefixes, secret names.
      const moved = JSON.parse(JSON.stringify(call).replaceAll(a, b)) as RecordedCall;
      const swapped = { ...moved, component: call.component, route: a };
      if (JSON.stringify(describeCall(swapped)) === JSON.stringify(describeCall(call))) continue;
      for (const request of requestsOf(swapped, DEPLOYMENT)) {
        const decision = evaluate(role.statements, request);
        assert.notEqual(
          decision.decision,
          'allowed',
          `${roleLabel(role)} may ${request.action} on ${request.resource}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} moved calls checked`);
  });

  test('the calls the wider suites recorded are all kinds this run checks', {
    skip: OTHER_RECORDINGS === undefined,
  }, () => {
    const dir = OTHER_RECORDINGS ?? '';
    const checked = new Set(calls.map(callKind));
    const others = readdirSync(dir)
      .filter((name) => name.endsWith('.jsonl'))
      .flatMap((name) => readCalls(join(dir, name)))
      // The operator's calls are for an operator policy, not a bridge role.
      .filter((call) => call.component !== 'cli');
    assert.ok(others.length > 0, `no recorded calls in ${dir}`);
    assert.deepEqual([...new Set(others.map(callKind))].filter((kind) => !checked.has(kind)).sort(), []);
  });
});
