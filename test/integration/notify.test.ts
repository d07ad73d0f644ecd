// The notifier against a local HTTP server that plays Discord's webhook API: the exact JSON it
// posts (embeds, colours, truncation), 429 retry_after, 5xx and network failures, final 4xx,
// and that a failure is logged and counted, never thrown, and never shows the webhook token.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretReader } from '../../lib/aws/secrets.ts';
import { parseBridgeConfig, type Route } from '../../lib/config/index.ts';
import { COLORS, type DiscordMessage } from '../../lib/notify/discord.ts';
import { DiscordClient } from '../../lib/notify/discord-client.ts';
import { DiscordError } from '../../lib/notify/discord-error.ts';
import { ELLIPSIS, embedLength } from '../../lib/notify/limits.ts';
import { Notifier } from '../../lib/notify/notifier.ts';
import type { NotifyLogger, NotifyMetricName, NotifyMetrics } from '../../lib/notify/observability.ts';
import { type NotifyEvent, processNotifyEvent } from '../../lib/notify/process.ts';
import { WebhookDirectory } from '../../lib/notify/webhook-directory.ts';
import { FakeDiscord, rateLimited } from '../support/discord.ts';
import {
  COMMIT_ERRORS_MESSAGE,
  DLQ_ALARM_MESSAGE,
  deadLetterBody,
  LAG_ALARM_MESSAGE,
  snsEvent,
  sqsEvent,
} from '../unit/notify/fixtures.ts';

/** Secrets Manager stand-in: this file is about Discord; notify-secrets.test.ts uses moto. */
function secretsOf(values: Record<string, string>): SecretReader {
  const client = {
    send: async (command: { input: { SecretId?: string } }) => {
      const id = command.input.SecretId ?? '';
      const value = values[id];
      if (value === undefined)
        throw Object.assign(new Error(`Secrets Manager can't find the specified secret.`), {
          name: 'ResourceNotFoundException',
        });
      return { SecretString: value };
    },
  };
  return new SecretReader(client as unknown as SecretsManagerClient);
}

interface Counted {
  readonly name: NotifyMetricName;
  readonly value: number;
  readonly route: string | undefined;
}

interface Logged {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

function errorText(value: unknown): string {
  if (value instanceof Error)
    return `${value.name}: ${value.message}\n${value.stack ?? ''}\n${errorText(value.cause)}`;
  return value === undefined ? '' : String(value);
}

class Recorder implements NotifyLogger, NotifyMetrics {
  readonly counts: Counted[] = [];
  readonly logs: Logged[] = [];
  count(name: NotifyMetricName, value: number, route: string | undefined): void {
    this.counts.push({ name, value, route });
  }
  info(message: string, attributes: Record<string, unknown>): void {
    this.logs.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes: Record<string, unknown>): void {
    this.logs.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes: Record<string, unknown>): void {
    this.logs.push({ level: 'error', message, attributes });
  }
  /** Everything logged, errors with message, stack and causes. */
  text(): string {
    return this.logs
      .map((log) => `${log.message} ${JSON.stringify(log.attributes)} ${errorText(log.attributes.error)}`)
      .join('\n');
  }
}

const RUNBOOK = 'https://github.com/acme/kafka-bridge/blob/main';

function routes(): readonly Route[] {
  return parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      {
        name: 'orders',
        topics: ['orders.v1'],
        endpoint: { type: 'http', url: 'https://orders.example.com/kafka' },
        alerts: { discordWebhookSecret: 'team/orders-discord', oncall: '@orders-oncall' },
      },
      {
        name: 'payments',
        topics: ['payments.v1'],
        endpoint: { type: 'http', url: 'https://pay.example.com/k' },
      },
    ],
  }).routes;
}

let discord: FakeDiscord;
let team: { url: string; token: string };
let bridge: { url: string; token: string };
let recorder: Recorder;
let waits: number[];

function notifier(
  options: { defaultSecret?: string | undefined; secrets?: SecretReader; client?: DiscordClient } = {},
): Notifier {
  return new Notifier({
    routes: routes(),
    webhooks: new WebhookDirectory(
      options.secrets ??
        secretsOf({ 'team/orders-discord': team.url, 'bridge/discord': JSON.stringify({ url: bridge.url }) }),
      routes(),
      'defaultSecret' in options ? options.defaultSecret : 'bridge/discord',
    ),
    client:
      options.client ??
      new DiscordClient({
        attempts: 4,
        policy: { baseMs: 100, maxMs: 1_000, jitter: 'none' },
        sleep: async (ms) => {
          waits.push(ms);
        },
      }),
    logger: recorder,
    metrics: recorder,
    runbookBaseUrl: RUNBOOK,
  });
}

async function run(event: NotifyEvent, n: Notifier = notifier()) {
  return processNotifyEvent(event, { notifier: n, logger: recorder, metrics: recorder });
}

before(async () => {
  discord = await FakeDiscord.start();
});

after(async () => {
  await discord.stop();
});

beforeEach(() => {
  discord.reset();
  team = discord.webhook('111111111111111111');
  bridge = discord.webhook('222222222222222222');
  recorder = new Recorder();
  waits = [];
});

const CONSOLE_DLQ =
  'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/KafkaBridgeStack-BridgeRouteordersDeadLetterQueueNotEmptyA1B2C3D4-1QW2E3R4T5Y6';

describe('alarm notifications, as SNS delivers them', () => {
  test("posts the exact message to the route's team webhook", async () => {
    // Act
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    // Assess
    assert.deepEqual(result, { sent: 1, failed: 0, invalid: 0 });
    assert.equal(discord.requests.length, 1);
    const [request] = discord.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.path, new URL(team.url).pathname);
    assert.equal(request?.headers['content-type'], 'application/json');
    const expected: DiscordMessage = {
      embeds: [
        {
          title: '[ALARM] orders: DLQ not empty',
          url: CONSOLE_DLQ,
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
              value: `[DLQ not empty](${RUNBOOK}/docs/runbook.md#dlq-not-empty)`,
              inline: true,
            },
            { name: 'Console', value: `[Open in CloudWatch](${CONSOLE_DLQ})`, inline: true },
          ],
          footer: { text: 'kafka-bridge · account 123456789012 · eu-west-1' },
          timestamp: '2026-11-23T09:01:12.345Z',
        },
      ],
      allowed_mentions: { parse: [] },
    };
    assert.deepEqual(request?.json, expected);
    assert.deepEqual(recorder.counts, [{ name: 'notify.sent.count', value: 1, route: 'orders' }]);
  });

  test('a route without a team webhook and a bridge-wide alarm go to the default webhook', async () => {
    // Act
    await run(snsEvent(LAG_ALARM_MESSAGE));
    await run(snsEvent(COMMIT_ERRORS_MESSAGE));
    // Assess
    assert.deepEqual(
      discord.requests.map((r) => r.path),
      [new URL(bridge.url).pathname, new URL(bridge.url).pathname],
    );
    const titles = discord.bodies.map((body) => (body as DiscordMessage).embeds[0]?.title);
    assert.deepEqual(titles, ['[ALARM] payments: Commit lag rising', '[ALARM] bridge: Commit errors']);
  });

  test('a reason longer than 4096 characters arrives cut to 4096, ending in an ellipsis inside its code block', async () => {
    // Prepare
    const message = {
      ...JSON.parse(DLQ_ALARM_MESSAGE),
      NewStateReason: `Threshold Crossed: ${'z'.repeat(5000)}`,
    };
    // Act
    await run(snsEvent(JSON.stringify(message)));
    // Assess
    const embed = (discord.bodies[0] as DiscordMessage).embeds[0];
    assert.equal(embed?.description?.length, 4096);
    assert.ok(embed?.description?.endsWith(`z${ELLIPSIS}\n\`\`\``));
  });

  test('many alarms for one webhook are split into messages within 10 embeds and 6000 characters', async () => {
    // Prepare: 12 alarm records in one event.
    const one = snsEvent(DLQ_ALARM_MESSAGE).Records[0];
    assert.ok(one);
    const event = { Records: Array.from({ length: 12 }, () => one) };
    // Act
    const result = await run(event);
    // Assess
    // Each alarm embed is about 800 characters: the 6000 per message binds before the 10 embeds.
    const sizes = discord.bodies.map((body) => (body as DiscordMessage).embeds.length);
    assert.equal(result.sent, discord.requests.length);
    assert.equal(result.failed, 0);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      12,
    );
    for (const body of discord.bodies) {
      const { embeds } = body as DiscordMessage;
      assert.ok(embeds.length <= 10, `${embeds.length} embeds in one message`);
      const total = embeds.reduce((sum, embed) => sum + embedLength(embed), 0);
      assert.ok(total <= 6000, `${total} embed characters in one message`);
    }
  });
});

describe('dead-letter summaries', () => {
  test('a batch of 25 dead letters of two routes is two posts, one summary each, no payloads', async () => {
    // Prepare: 20 for orders (team webhook), 5 for payments (default).
    const bodies = [
      ...Array.from({ length: 20 }, (_, i) =>
        deadLetterBody(
          'orders',
          100 + i,
          i < 10 ? 'HTTP 400: {"error":"bad sku"}' : 'HTTP 409: conflict',
          `2026-11-23T09:00:${String(i).padStart(2, '0')}.000Z`,
        ),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        deadLetterBody('payments', 7 + i, 'schema: amount must be a number', `2026-11-23T09:01:0${i}.000Z`),
      ),
    ];
    // Act
    const result = await run(sqsEvent(bodies));
    // Assess
    assert.deepEqual(result, { sent: 2, failed: 0, invalid: 0 });
    assert.deepEqual(
      discord.requests.map((r) => r.path),
      [new URL(team.url).pathname, new URL(bridge.url).pathname],
    );
    assert.deepEqual(discord.bodies[0], {
      embeds: [
        {
          title: '[DEAD LETTERS] orders: 20 records dead-lettered',
          color: COLORS.orange,
          description:
            'First error (`orders/orders.v1/3/100`):\n```\nHTTP 400: {"error":"bad sku"}\n```\n\n1 other distinct error in this batch.',
          fields: [
            { name: 'Route', value: 'orders', inline: true },
            { name: 'Count', value: '20', inline: true },
            { name: 'Window', value: '2026-11-23T09:00:00.000Z → 2026-11-23T09:00:19.000Z' },
            {
              name: 'Sample record ids',
              value:
                '`orders/orders.v1/3/100`\n`orders/orders.v1/3/101`\n`orders/orders.v1/3/102`\n`orders/orders.v1/3/103`\n`orders/orders.v1/3/104`\n… and 15 more',
            },
            { name: 'On call', value: '@orders-oncall' },
            {
              name: 'Next steps',
              value: `\`npx kafka-bridge dlq list --route orders\` · runbook: [dead-letter summaries](${RUNBOOK}/docs/runbook.md#dead-letter-summaries)`,
            },
          ],
          footer: { text: 'kafka-bridge · payloads are in the S3 archive, not in this message' },
          timestamp: '2026-11-23T09:00:00.000Z',
        },
      ],
      allowed_mentions: { parse: [] },
    });
    assert.equal(
      (discord.bodies[1] as DiscordMessage).embeds[0]?.title,
      '[DEAD LETTERS] payments: 5 records dead-lettered',
    );
  });

  test('an alarm on the events queue is dropped (alarms come from the alarm topic); the dead letters beside it go', async () => {
    // Act
    const result = await run(
      sqsEvent([DLQ_ALARM_MESSAGE, deadLetterBody('orders', 1, 'HTTP 400', '2026-11-23T09:00:00Z')]),
    );
    // Assess
    assert.equal(result.invalid, 1);
    assert.equal(discord.requests.length, 1);
    assert.deepEqual(
      (discord.bodies[0] as DiscordMessage).embeds.map((e) => e.title),
      ['[DEAD LETTERS] orders: 1 record dead-lettered'],
    );
  });
});

describe('when Discord pushes back', () => {
  test("429: waits the body's retry_after (seconds, float), then sends the same message again", async () => {
    // Prepare
    discord.reply(rateLimited(0.25, '1'));
    // Act
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    // Assess
    assert.deepEqual(result, { sent: 1, failed: 0, invalid: 0 });
    assert.equal(discord.requests.length, 2);
    assert.deepEqual(waits, [250]);
    assert.deepEqual(discord.bodies[1], discord.bodies[0]);
  });

  test('429 without a JSON body: waits the Retry-After header', async () => {
    discord.reply({ status: 429, headers: { 'retry-after': '2' }, body: 'slow down' });
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    assert.deepEqual(result, { sent: 1, failed: 0, invalid: 0 });
    assert.deepEqual(waits, [2000]);
  });

  test('500 then 204: retried with backoff', async () => {
    discord.reply({ status: 500, body: { message: 'internal' } }, { status: 502, body: 'bad gateway' });
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    assert.deepEqual(result, { sent: 1, failed: 0, invalid: 0 });
    assert.equal(discord.requests.length, 3);
    assert.deepEqual(waits, [100, 200]);
  });

  test('500 on every attempt: the invocation still succeeds, the failure is logged and counted', async () => {
    // Prepare
    discord.reply(
      ...Array.from({ length: 4 }, () => ({ status: 500, body: { message: '500: Internal Server Error' } })),
    );
    // Act
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    // Assess
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    assert.equal(discord.requests.length, 4);
    assert.deepEqual(recorder.counts, [{ name: 'notify.failure.count', value: 1, route: 'orders' }]);
    const [logged] = recorder.logs.filter((log) => log.level === 'error');
    assert.equal(logged?.message, 'Discord did not take an alert message');
    assert.equal(logged?.attributes.status, 500);
    assert.match(
      errorText(logged?.attributes.error),
      /secret team\/orders-discord: HTTP 500: .*gave up after 4 attempts/,
    );
  });

  test('404 (a deleted webhook) is final: one request, logged and counted', async () => {
    discord.reply({ status: 404, body: { message: 'Unknown Webhook', code: 10015 } });
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    assert.equal(discord.requests.length, 1);
    assert.deepEqual(waits, []);
    assert.deepEqual(recorder.counts, [{ name: 'notify.failure.count', value: 1, route: 'orders' }]);
    assert.match(recorder.text(), /HTTP 404: \{"message":"Unknown Webhook","code":10015\}/);
  });

  test('a redirect is not followed (the message and the webhook path would go elsewhere): final, one request', async () => {
    discord.reply({ status: 307, headers: { location: `${bridge.url}?redirected=1` } });
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    assert.equal(discord.requests.length, 1, 'the Location was not requested');
    assert.deepEqual(waits, []);
    assert.match(recorder.text(), /HTTP 307/);
  });

  test('a 429 asking for longer than the notifier waits fails at once', async () => {
    discord.reply(rateLimited(3600));
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    assert.equal(discord.requests.length, 1);
    assert.match(recorder.text(), /rate limited for 3600000 ms/);
  });

  test('an empty rate-limit bucket (X-RateLimit-Remaining: 0) is waited out before the next message', async () => {
    // Prepare: 12 alarm embeds need two messages; the first answer says the bucket is empty for 0.4 s.
    discord.reply({
      status: 204,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '0.4' },
    });
    const one = snsEvent(DLQ_ALARM_MESSAGE).Records[0];
    assert.ok(one);
    // Act
    const result = await run({ Records: Array.from({ length: 12 }, () => one) });
    // Assess
    assert.equal(result.failed, 0);
    assert.ok(discord.requests.length >= 2);
    assert.equal(waits.length, 1);
    assert.ok((waits[0] ?? 0) > 300 && (waits[0] ?? 0) <= 400, `waited ${waits[0]} ms`);
  });

  test('no retry starts past the deadline (the Lambda must return before its timeout)', async () => {
    // Prepare: the first backoff step (100 ms) would end after the deadline.
    discord.reply({ status: 503, body: 'unavailable' });
    const client = new DiscordClient({ policy: { baseMs: 100, maxMs: 100, jitter: 'none' } });
    // Act
    const error = await client
      .post(
        { secret: 'bridge/discord', url: bridge.url },
        { embeds: [{ title: 't' }], allowed_mentions: { parse: [] } },
        Date.now() + 20,
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    // Assess
    assert.ok(error instanceof DiscordError);
    assert.equal(discord.requests.length, 1);
    assert.match(
      error.message,
      /HTTP 503: unavailable; gave up after 1 attempt \(the next attempt would pass the deadline\)/,
    );
  });

  test('dropped connections are retried, then counted', async () => {
    discord.reply(...Array.from({ length: 4 }, () => ({ status: 0, drop: true })));
    const result = await run(snsEvent(DLQ_ALARM_MESSAGE));
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    assert.equal(discord.requests.length, 4);
    assert.match(recorder.text(), /request failed/);
  });
});

describe('webhook URLs never leak', () => {
  test('a Discord error that quotes the URL is redacted in the thrown error', async () => {
    // Prepare: an error body that echoes the request path, token included.
    discord.reply({ status: 400, body: { message: `bad request to ${new URL(team.url).pathname}` } });
    const client = new DiscordClient({ attempts: 1 });
    // Act
    const error = await client
      .post(
        { secret: 'team/orders-discord', url: team.url },
        { embeds: [{ title: 't' }], allowed_mentions: { parse: [] } },
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    // Assess
    assert.ok(error instanceof DiscordError);
    assert.equal(error.status, 400);
    assert.equal(error.message.includes(team.token), false, error.message);
    assert.match(error.message, /bad request to \[redacted\]/);
  });

  test('nothing the real logger writes holds the token, whether Discord is down or the secret is bad', async (t) => {
    // Prepare: Powertools' Logger, its output captured; Discord refuses connections.
    const down = await FakeDiscord.start();
    const downHook = down.webhook();
    await down.stop();
    const written: string[] = [];
    // POWERTOOLS_DEV makes the Logger print through the global console, which the test can watch.
    const dev = process.env.POWERTOOLS_DEV;
    process.env.POWERTOOLS_DEV = 'true';
    const logger = new Logger({ serviceName: 'notify-test', logLevel: 'DEBUG' });
    if (dev === undefined) delete process.env.POWERTOOLS_DEV;
    else process.env.POWERTOOLS_DEV = dev;
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      t.mock.method(console, method, (...parts: unknown[]) => {
        written.push(parts.map(String).join(' '));
      });
    }
    const n = new Notifier({
      routes: routes(),
      webhooks: new WebhookDirectory(
        secretsOf({
          'team/orders-discord': downHook.url,
          'bridge/discord': `http://example.com/api/webhooks/1/${bridge.token}`,
        }),
        routes(),
        'bridge/discord',
      ),
      client: new DiscordClient({ attempts: 2, policy: { baseMs: 1, maxMs: 1, jitter: 'none' } }),
      logger,
      metrics: recorder,
    });
    // Act: one alarm to the unreachable team webhook, one to the default secret (plain http, refused).
    const result = await processNotifyEvent(snsEvent(DLQ_ALARM_MESSAGE), {
      notifier: n,
      logger,
      metrics: recorder,
    });
    await processNotifyEvent(snsEvent(LAG_ALARM_MESSAGE), { notifier: n, logger, metrics: recorder });
    t.mock.restoreAll();
    // Assess
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    const output = written.join('');
    assert.match(output, /Discord did not take an alert message/);
    assert.match(output, /ECONNREFUSED/);
    assert.match(output, /no usable Discord webhook/);
    assert.match(output, /secret bridge\/discord holds a URL that is not https/);
    assert.equal(output.includes(downHook.token), false);
    assert.equal(output.includes(bridge.token), false);
    assert.deepEqual(recorder.counts, [
      { name: 'notify.failure.count', value: 1, route: 'orders' },
      { name: 'notify.failure.count', value: 1, route: 'payments' },
    ]);
  });
});

describe('messages that cannot be sent at all', () => {
  test('a message that is neither an alarm nor a dead letter is logged and counted, the rest still goes', async () => {
    const result = await run(
      sqsEvent([
        '{"Type":"SubscriptionConfirmation"}',
        deadLetterBody('orders', 1, 'HTTP 400', '2026-11-23T09:00:00Z'),
      ]),
    );
    assert.deepEqual(result, { sent: 1, failed: 0, invalid: 1 });
    assert.deepEqual(recorder.counts, [
      { name: 'notify.invalid.count', value: 1, route: undefined },
      { name: 'notify.sent.count', value: 1, route: 'orders' },
    ]);
    assert.match(recorder.text(), /notification message not understood/);
  });

  test('no team webhook and no default: logged and counted, nothing thrown', async () => {
    const result = await run(snsEvent(LAG_ALARM_MESSAGE), notifier({ defaultSecret: undefined }));
    assert.deepEqual(result, { sent: 0, failed: 1, invalid: 0 });
    assert.equal(discord.requests.length, 0);
    assert.match(recorder.text(), /no Discord webhook for route payments/);
  });
});
