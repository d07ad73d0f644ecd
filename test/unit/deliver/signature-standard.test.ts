import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { verifiedEnvelope } from '../../../docs/examples/standard-webhooks-endpoint.ts';
import { SecretError } from '../../../lib/aws/secrets.ts';
import {
  standardWebhookHeaders,
  standardWebhookKeys,
  WEBHOOK_SIGNATURE_HEADER,
} from '../../../lib/deliver/signature-standard.ts';
import { signingKeys } from '../../../lib/deliver/signature-v2.ts';

// Verified by the `standardwebhooks` library itself, as an endpoint team would.
const OLD = `whsec_${randomBytes(32).toString('base64')}`;
const NEW = `whsec_${randomBytes(32).toString('base64')}`;
const BODY = '{"route":"orders","offset":"7"}';
const ID = 'orders/orders/0/7';

function sign(secretText: string, body = BODY, nowMs = Date.now()): Record<string, string> {
  return standardWebhookHeaders(standardWebhookKeys('s', signingKeys('s', secretText)), ID, body, nowMs);
}

describe('Standard Webhooks signature', () => {
  test('the library verifies it and returns the payload; another key, body or id fails', () => {
    const headers = sign(NEW);
    assert.deepEqual(new Webhook(NEW).verify(BODY, headers), JSON.parse(BODY));
    assert.equal(headers['webhook-id'], ID, 'the message id is the idempotency key, the same on every retry');
    assert.throws(() => new Webhook(OLD).verify(BODY, headers), WebhookVerificationError);
    assert.throws(() => new Webhook(NEW).verify(`${BODY} `, headers), WebhookVerificationError);
    assert.throws(
      () => new Webhook(NEW).verify(BODY, { ...headers, 'webhook-id': 'orders/orders/0/8' }),
      WebhookVerificationError,
    );
    assert.throws(
      () => new Webhook(NEW).verify(BODY, sign(NEW, BODY, Date.now() - 10 * 60_000)),
      WebhookVerificationError,
      'a timestamp ten minutes old is refused',
    );
  });

  test('rotation: both keys sign, so an endpoint holding either one verifies', () => {
    const rotating = JSON.stringify({
      keys: [
        { id: 'new', secret: NEW },
        { id: 'old', secret: OLD },
      ],
    });
    const headers = sign(rotating);
    assert.match(headers[WEBHOOK_SIGNATURE_HEADER] ?? '', /^v1,[A-Za-z0-9+/=]{44} v1,[A-Za-z0-9+/=]{44}$/);
    assert.ok(new Webhook(NEW).verify(BODY, headers));
    assert.ok(new Webhook(OLD).verify(BODY, headers));
    assert.throws(() => new Webhook(OLD).verify(BODY, sign(NEW)), WebhookVerificationError);
  });

  test('a secret that is not whsec_ and 24-64 bytes of base64 is refused without quoting it', () => {
    const refused = (text: string, message: RegExp) =>
      assert.throws(
        () => standardWebhookKeys('team/signing', signingKeys('team/signing', text)),
        (error: Error) =>
          error instanceof SecretError && message.test(error.message) && !error.message.includes(text),
      );
    refused('plain-old-secret-value', /whsec_ followed by base64/);
    refused(`whsec_${randomBytes(8).toString('base64')}`, /24-64 random bytes .*holds 8/);
    refused(JSON.stringify({ keys: [{ id: 'k1', secret: 'whsec_!!!notbase64!!!' }] }), /keys\[0\] \(id k1\)/);
  });

  test('the endpoint example of docs/examples accepts a signed request and refuses a changed one', () => {
    const headers = sign(NEW);
    assert.deepEqual(verifiedEnvelope([OLD, NEW], headers, BODY), JSON.parse(BODY));
    assert.equal(verifiedEnvelope([OLD], headers, BODY), undefined);
    assert.equal(verifiedEnvelope([NEW], headers, `${BODY} `), undefined);
  });
});
