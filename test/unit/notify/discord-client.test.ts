import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { retryAfterOf } from '../../../lib/notify/discord-client.ts';
import { redactWebhook } from '../../../lib/notify/redact.ts';

describe('retryAfterOf', () => {
  test("the body's retry_after (seconds, float) wins over the header", () => {
    assert.equal(
      retryAfterOf('{"message":"You are being rate limited.","retry_after":0.347,"global":false}', '1'),
      347,
    );
  });

  test('the Retry-After header when the body has none or is not JSON', () => {
    assert.equal(retryAfterOf('{"message":"slow down"}', '2'), 2000);
    assert.equal(retryAfterOf('<html>429</html>', '1.5'), 1500);
    assert.equal(retryAfterOf('', null), undefined);
  });
});

describe('redactWebhook', () => {
  const url =
    'https://discord.com/api/webhooks/112233445566778899/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOpQrStUvWxYz01';

  test('removes the whole URL, its path and the token alone', () => {
    const text = `POST ${url} failed; token AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOpQrStUvWxYz01 at /api/webhooks/112233445566778899/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOpQrStUvWxYz01`;
    const redacted = redactWebhook(text, url);
    assert.equal(redacted, 'POST [redacted] failed; token [redacted] at [redacted]');
  });

  test('leaves unrelated text alone', () => {
    assert.equal(
      redactWebhook('HTTP 404: {"message": "Unknown Webhook", "code": 10015}', url),
      'HTTP 404: {"message": "Unknown Webhook", "code": 10015}',
    );
  });
});
