import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretReader } from '../../../lib/aws/secrets.ts';
import { parseBridgeConfig, type Route } from '../../../lib/config/index.ts';
import { NotifyError } from '../../../lib/notify/notify-error.ts';
import { WebhookDirectory } from '../../../lib/notify/webhook-directory.ts';

const TOKEN = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVkcGx1Z3h5enp5';
const URL_WITH_TOKEN = `https://discord.com/api/webhooks/112233445566778899/${TOKEN}`;

/** A SecretReader over fixed values (the reader's own behaviour is tested with moto elsewhere). */
function reader(values: Record<string, string>): SecretReader {
  const client = {
    send: async (command: { input: { SecretId?: string } }) => ({
      SecretString: values[command.input.SecretId ?? ''],
    }),
  };
  return new SecretReader(client as unknown as SecretsManagerClient);
}

function routes(): readonly Route[] {
  return parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      {
        name: 'orders',
        topics: ['orders.v1'],
        endpoint: { type: 'http', url: 'https://orders.example.com/k' },
        alerts: { discordWebhookSecret: 'team/orders' },
      },
      {
        name: 'payments',
        topics: ['payments.v1'],
        endpoint: { type: 'http', url: 'https://pay.example.com/k' },
      },
    ],
  }).routes;
}

async function failure(promise: Promise<unknown>): Promise<NotifyError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof NotifyError, `expected a NotifyError, got ${String(error)}`);
  return error;
}

describe('WebhookDirectory', () => {
  test("a route's team secret, else the default; bridge-wide alerts use the default", () => {
    const directory = new WebhookDirectory(reader({}), routes(), 'bridge/default');
    assert.equal(directory.secretFor('orders'), 'team/orders');
    assert.equal(directory.secretFor('payments'), 'bridge/default');
    assert.equal(directory.secretFor('unknown-route'), 'bridge/default');
    assert.equal(directory.secretFor(undefined), 'bridge/default');
  });

  test('no team secret and no default is an error naming the route and the variable', () => {
    const directory = new WebhookDirectory(reader({}), routes(), undefined);
    assert.throws(
      () => directory.secretFor('payments'),
      /no Discord webhook for route payments.*DISCORD_WEBHOOK_SECRET_ARN/,
    );
  });

  test('the secret may hold the URL itself or {"url": ...}', async () => {
    const directory = new WebhookDirectory(
      reader({
        plain: `  ${URL_WITH_TOKEN}\n`,
        json: JSON.stringify({ url: URL_WITH_TOKEN, channel: '#alerts' }),
      }),
      routes(),
      undefined,
    );
    assert.deepEqual(await directory.webhook('plain'), { secret: 'plain', url: URL_WITH_TOKEN });
    assert.deepEqual(await directory.webhook('json'), { secret: 'json', url: URL_WITH_TOKEN });
  });

  test('unusable secrets are errors that name the secret and never quote its value', async () => {
    const directory = new WebhookDirectory(
      reader({
        http: `http://discord.example.com/api/webhooks/1/${TOKEN}`,
        broken: `{"url": "${URL_WITH_TOKEN}"`,
        nourl: JSON.stringify({ webhook: URL_WITH_TOKEN }),
        relative: `/api/webhooks/1/${TOKEN}`,
      }),
      routes(),
      undefined,
    );
    const cases: [string, RegExp][] = [
      ['http', /secret http holds a URL that is not https:\/\//],
      ['broken', /secret broken looks like JSON but does not parse/],
      ['nourl', /secret nourl holds a JSON object without a string "url" field/],
      ['relative', /secret relative does not hold an absolute URL/],
    ];
    for (const [secret, expected] of cases) {
      const error = await failure(directory.webhook(secret));
      assert.match(error.message, expected);
      assert.equal(error.message.includes(TOKEN), false, error.message);
      assert.equal(String(error.cause ?? '').includes(TOKEN), false);
    }
  });
});
