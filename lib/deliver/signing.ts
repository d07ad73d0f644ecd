import type { SecretReader } from '../aws/secrets.ts';
import type { HttpEndpoint } from '../config/index.ts';
import { standardWebhookHeaders, standardWebhookKeys } from './signature-standard.ts';
import { type SignedRequest, signHeaders, signingKeys } from './signature-v2.ts';

/**
 * The signature headers of one request under the route's scheme (`endpoint.signing`), or none
 * without `endpoint.signingSecret`. `id` is the message id Standard Webhooks signs: the record's
 * idempotency key (or the batch's id for a batched call).
 */
export async function signatureHeaders(
  endpoint: HttpEndpoint,
  secrets: SecretReader,
  request: SignedRequest & { readonly id: string },
  nowMs: number,
): Promise<Record<string, string>> {
  const secret = endpoint.signingSecret;
  if (secret === undefined) return {};
  const keys = signingKeys(secret, await secrets.text(secret));
  if (endpoint.signing === 'standard-webhooks') {
    return standardWebhookHeaders(standardWebhookKeys(secret, keys), request.id, request.body, nowMs);
  }
  return signHeaders(keys, request, nowMs, { v1: endpoint.signingV1 === true });
}
