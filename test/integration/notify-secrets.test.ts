// The notifier with its webhook URLs in Secrets Manager (moto), and the real Lambda entry point
// (functions/notify.ts, middy + Powertools) fed SNS and SQS events as Lambda delivers them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { SecretReader } from '../../lib/aws/secrets.ts';
import { parseBridgeConfig, type RouteInput } from '../../lib/config/index.ts';
import type { DiscordMessage } from '../../lib/notify/discord.ts';
import { DiscordClient } from '../../lib/notify/discord-client.ts';
import { Notifier } from '../../lib/notify/notifier.ts';
import type { NotifyLogger, NotifyMetricName, NotifyMetrics } from '../../lib/notify/observability.ts';
import { type ProcessResult, processNotifyEvent } from '../../lib/notify/process.ts';
import { WebhookDirectory } from '../../lib/notify/webhook-directory.ts';
import { assertReachable, awsEndpoint, REGION, secretsClient, uniqueName } from '../support/aws.ts';
import { FakeDiscord } from '../support/discord.ts';
import {
  COMMIT_ERRORS_MESSAGE,
  DLQ_ALARM_MESSAGE,
  deadLetterBody,
  LAG_ALARM_MESSAGE,
  snsEvent,
  sqsEvent,
} from '../unit/notify/fixtures.ts';

let secrets: SecretsManagerClient;
let discord: FakeDiscord;
let teamSecret: string;
let defaultSecret: string;
let team: { url: string; token: string };
let bridge: { url: string; token: string };

function routeInputs(): RouteInput[] {
  return [
    {
      name: 'orders',
      topics: ['orders.v1'],
      endpoint: { type: 'http', url: 'https://orders.example.com/kafka' },
      alerts: { discordWebhookSecret: teamSecret },
    },
    {
      name: 'payments',
      topics: ['payments.v1'],
      endpoint: { type: 'http', url: 'https://pay.example.com/k' },
    },
  ];
}

class Recorder implements NotifyLogger, NotifyMetrics {
  readonly counts: { name: NotifyMetricName; value: number; route: string | undefined }[] = [];
  readonly errors: string[] = [];
  count(name: NotifyMetricName, value: number, route: string | undefined): void {
    this.counts.push({ name, value, route });
  }
  // Only errors matter to these tests; info and warn lines are dropped on purpose.
  info(): void {
    return;
  }
  warn(): void {
    return;
  }
  error(message: string, attributes: Record<string, unknown>): void {
    const error = attributes.error;
    this.errors.push(`${message}: ${error instanceof Error ? error.message : JSON.stringify(attributes)}`);
  }
}

before(async () => {
  await assertReachable(awsEndpoint(), 'moto (Secrets Manager)');
  secrets = secretsClient();
  discord = await FakeDiscord.start();
  team = discord.webhook('333333333333333333');
  bridge = discord.webhook('444444444444444444');
  teamSecret = `${uniqueName('team-discord')}`;
  defaultSecret = `${uniqueName('bridge-discord')}`;
  // The team stores the URL itself, the bridge a JSON object with notes: both forms are read.
  await secrets.send(new CreateSecretCommand({ Name: teamSecret, SecretString: team.url }));
  await secrets.send(
    new CreateSecretCommand({
      Name: defaultSecret,
      SecretString: JSON.stringify({ url: bridge.url, channel: '#kafka-bridge-alerts' }),
    }),
  );
});

after(async () => {
  await discord.stop();
});

describe('webhook URLs from Secrets Manager', () => {
  test("each route's alerts go to its team's webhook, the rest to the bridge's", async () => {
    // Prepare
    discord.reset();
    const routes = parseBridgeConfig({
      kafka: { brokers: ['127.0.0.1:9092'] },
      routes: routeInputs(),
    }).routes;
    const recorder = new Recorder();
    const notifier = new Notifier({
      routes,
      webhooks: new WebhookDirectory(new SecretReader(secrets), routes, defaultSecret),
      client: new DiscordClient(),
      logger: recorder,
      metrics: recorder,
    });
    // Act
    for (const message of [DLQ_ALARM_MESSAGE, LAG_ALARM_MESSAGE, COMMIT_ERRORS_MESSAGE]) {
      await processNotifyEvent(snsEvent(message), { notifier, logger: recorder, metrics: recorder });
    }
    // Assess
    assert.deepEqual(
      discord.requests.map((r) => [r.path, (r.json as DiscordMessage).embeds[0]?.title]),
      [
        [new URL(team.url).pathname, '[ALARM] orders: DLQ not empty'],
        [new URL(bridge.url).pathname, '[ALARM] payments: Commit lag rising'],
        [new URL(bridge.url).pathname, '[ALARM] bridge: Commit errors'],
      ],
    );
    assert.deepEqual(recorder.errors, []);
  });

  test('a secret that does not exist: logged with its name, counted, nothing thrown', async () => {
    // Prepare
    discord.reset();
    const missing = uniqueName('missing-discord');
    const routes = parseBridgeConfig({
      kafka: { brokers: ['127.0.0.1:9092'] },
      routes: routeInputs(),
    }).routes;
    const recorder = new Recorder();
    const notifier = new Notifier({
      routes,
      webhooks: new WebhookDirectory(new SecretReader(secrets), routes, missing),
      client: new DiscordClient(),
      logger: recorder,
      metrics: recorder,
    });
    // Act
    const result = await processNotifyEvent(snsEvent(LAG_ALARM_MESSAGE), {
      notifier,
      logger: recorder,
      metrics: recorder,
    });
    // Assess
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    assert.equal(discord.requests.length, 0);
    assert.deepEqual(recorder.counts, [{ name: 'notify.failure.count', value: 1, route: 'payments' }]);
    assert.equal(recorder.errors.length, 1);
    assert.match(
      recorder.errors[0] ?? '',
      new RegExp(`no usable Discord webhook: alerts not sent: secret ${missing}: could not be read`),
    );
  });
});

describe('the Lambda entry point (functions/notify.ts)', () => {
  let handler: (event: unknown, context: Context) => Promise<ProcessResult>;

  before(async () => {
    // The function reads its config and clients at cold start, from the environment the stack sets.
    process.env.BRIDGE_CONFIG_JSON = JSON.stringify({
      kafka: { brokers: ['127.0.0.1:9092'] },
      routes: routeInputs(),
    });
    process.env.DISCORD_WEBHOOK_SECRET_ARN = defaultSecret;
    process.env.AWS_ENDPOINT_URL = awsEndpoint();
    process.env.AWS_REGION = REGION;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    process.env.RUNBOOK_BASE_URL = 'https://github.com/acme/kafka-bridge/blob/main';
    ({ handler } = (await import('../../functions/notify.ts')) as unknown as {
      handler: (event: unknown, context: Context) => Promise<ProcessResult>;
    });
  });

  function context(): Context {
    const started = Date.now();
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: 'kafka-bridge-notify',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:kafka-bridge-notify',
      memoryLimitInMB: '256',
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      logGroupName: '/aws/lambda/kafka-bridge-notify',
      logStreamName: '2026/11/23/[$LATEST]abcdef',
      getRemainingTimeInMillis: () => 120_000 - (Date.now() - started),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  test('an SNS alarm notification reaches the team webhook, with the runbook link', async () => {
    // Prepare
    discord.reset();
    // Act
    const result = await handler(snsEvent(DLQ_ALARM_MESSAGE), context());
    // Assess
    assert.deepEqual(result, { sent: 1, failed: 0, invalid: 0 });
    assert.equal(discord.requests[0]?.path, new URL(team.url).pathname);
    const fields = (discord.bodies[0] as DiscordMessage).embeds[0]?.fields ?? [];
    assert.deepEqual(
      fields.find((field) => field.name === 'Runbook'),
      {
        name: 'Runbook',
        value:
          '[DLQ not empty](https://github.com/acme/kafka-bridge/blob/main/docs/runbook.md#dlq-not-empty)',
        inline: true,
      },
    );
  });

  test('an SQS batch of dead-letter events becomes one summary per route', async () => {
    // Prepare
    discord.reset();
    const bodies = [
      deadLetterBody('payments', 1, 'HTTP 422: unknown currency', '2026-11-23T09:00:01Z'),
      deadLetterBody('payments', 2, 'HTTP 422: unknown currency', '2026-11-23T09:00:02Z'),
      deadLetterBody('payments', 3, 'HTTP 422: unknown currency', '2026-11-23T09:00:03Z'),
    ];
    // Act
    const result = await handler(sqsEvent(bodies), context());
    // Assess
    assert.deepEqual(result, { sent: 1, failed: 0, invalid: 0 });
    assert.equal(discord.requests.length, 1);
    assert.equal(discord.requests[0]?.path, new URL(bridge.url).pathname);
    assert.equal(
      (discord.bodies[0] as DiscordMessage).embeds[0]?.title,
      '[DEAD LETTERS] payments: 3 records dead-lettered',
    );
  });

  test('Discord answering 404 does not fail the invocation', async () => {
    // Prepare
    discord.reset();
    discord.reply({ status: 404, body: { message: 'Unknown Webhook', code: 10015 } });
    // Act
    const result = await handler(snsEvent(LAG_ALARM_MESSAGE), context());
    // Assess
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    assert.equal(discord.requests.length, 1);
  });
});
