// An endpoint that verifies kafka-endpoint-bridge requests signed with Standard Webhooks
// (route `endpoint.signing: 'standard-webhooks'`, docs/deliver.md "Signature") using the
// `standardwebhooks` npm library (MIT), as in any other language's Standard Webhooks library.
// `secrets`: the whsec_ secrets you accept (two while the bridge rotates keys); `body`: the raw
// body, before any JSON parsing. Returns the parsed envelope, or undefined for a request that
// does not verify (answer 401 and do not act on it).
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export function verifiedEnvelope(
  secrets: readonly string[],
  headers: Readonly<Record<string, string>>,
  body: string,
): unknown {
  for (const secret of secrets) {
    try {
      // verify() checks the signature and refuses a timestamp more than 5 minutes away.
      return new Webhook(secret).verify(body, headers);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
    }
  }
  return undefined;
}

// Deduplicate on `webhook-id` (the same value as `idempotency-key`): a retry or a replay of a
// record carries the same id with a new timestamp and signature.
