import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InvokeCommand, InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { DeliveryError } from '../../../lib/deliver/errors.ts';
import { LambdaTarget } from '../../../lib/deliver/lambda-target.ts';
import { decodeEnvelope, type Envelope } from '../../../lib/envelope/index.ts';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:orders-handler';
const ENVELOPE: Envelope = {
  route: 'orders',
  topic: 'orders',
  partition: 2,
  offset: '10',
  from: '9',
  timestamp: '1763884800000',
  key: Buffer.from('k'),
  headers: [],
  value: { s3: { bucket: 'payloads', key: 'p/1', size: 3, sha256: `${'A'.repeat(42)}A=` } },
};

/** A Lambda client that answers every Invoke with `output` and keeps the commands it got. */
function fakeClient(output: Partial<InvokeCommandOutput> | Error): {
  client: LambdaClient;
  sent: InvokeCommand[];
} {
  const sent: InvokeCommand[] = [];
  const client = {
    send: async (command: InvokeCommand) => {
      sent.push(command);
      if (output instanceof Error) throw output;
      return output;
    },
  } as unknown as LambdaClient;
  return { client, sent };
}

function target(client: LambdaClient): LambdaTarget {
  return new LambdaTarget(client, { type: 'lambda', functionArn: ARN, timeoutMs: 1_000 });
}

describe('LambdaTarget', () => {
  test('invokes synchronously with the envelope, the fetched value inline', async () => {
    // Prepare
    const { client, sent } = fakeClient({ StatusCode: 200 });
    // Act
    const response = await target(client).deliver({
      envelope: ENVELOPE,
      payload: Buffer.from('abc'),
      recordId: 'orders/orders/2/10',
    });
    // Assess
    assert.equal(response.status, 200);
    const input = sent[0]?.input;
    assert.equal(input?.FunctionName, ARN);
    assert.equal(input?.InvocationType, 'RequestResponse');
    const sentEnvelope = decodeEnvelope(Buffer.from(input?.Payload as Uint8Array).toString());
    assert.deepEqual(sentEnvelope.value, { inline: Buffer.from('abc') });
    assert.equal(sentEnvelope.offset, '10');
  });

  test('a function error is a retryable failure with the error payload as excerpt', async () => {
    const { client } = fakeClient({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      // The SDK's payload is a Uint8Array with helpers; the target reads only the bytes.
      Payload: Buffer.from('{"errorMessage":"boom"}') as unknown as NonNullable<
        InvokeCommandOutput['Payload']
      >,
    });
    await assert.rejects(
      target(client).deliver({ envelope: ENVELOPE, payload: null, recordId: 'orders/orders/2/10' }),
      (error: unknown) =>
        error instanceof DeliveryError &&
        error.retryable &&
        error.excerpt === '{"errorMessage":"boom"}' &&
        /function error Unhandled/.test(error.message),
    );
  });

  test('an invoke that fails for good (no permission) is not retryable; a throttle is', async () => {
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AccessDeniedException',
      $fault: 'client',
    });
    await assert.rejects(
      target(fakeClient(denied).client).deliver({ envelope: ENVELOPE, payload: null, recordId: 'r' }),
      (error: unknown) =>
        error instanceof DeliveryError && !error.retryable && /not authorized/.test(error.message),
    );
    const throttled = Object.assign(new Error('rate exceeded'), {
      name: 'TooManyRequestsException',
      $retryable: { throttling: true },
    });
    await assert.rejects(
      target(fakeClient(throttled).client).deliver({ envelope: ENVELOPE, payload: null, recordId: 'r' }),
      (error: unknown) => error instanceof DeliveryError && error.retryable,
    );
  });
});
