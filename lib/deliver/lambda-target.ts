import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ResourceAccess } from '../aws/access.ts';
import { isRetryableAwsError } from '../aws/errors.ts';
import type { LambdaEndpoint } from '../config/index.ts';
import { endpointBody } from '../envelope/index.ts';
import { DeliveryError } from './errors.ts';
import { type DeliveryRequest, type DeliveryResponse, EXCERPT_BYTES, type Target } from './target.ts';

/** What a Lambda endpoint calls: Invoke, on exactly the route's function. */
export const LAMBDA_TARGET_ACCESS: ResourceAccess = { actions: ['lambda:InvokeFunction'] };

/**
 * Invokes the route's Lambda function synchronously with the envelope JSON (value inline).
 * A function error (the function threw or timed out) is retryable, like a 5xx: the function's
 * owner decides by throwing; a throttle or a Lambda service fault is retryable too. Errors the
 * caller cannot fix by waiting (no permission, no such function) are not.
 */
export class LambdaTarget implements Target {
  readonly #client: LambdaClient;
  readonly #endpoint: LambdaEndpoint;

  constructor(client: LambdaClient, endpoint: LambdaEndpoint) {
    this.#client = client;
    this.#endpoint = endpoint;
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResponse> {
    const { envelope, payload } = request;
    const body = endpointBody(envelope, payload);
    const timeout = AbortSignal.timeout(this.#endpoint.timeoutMs);
    const abortSignal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
    let out: InvokeCommandOutput;
    try {
      out = await this.#client.send(
        new InvokeCommand({
          FunctionName: this.#endpoint.functionArn,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(body),
        }),
        { abortSignal },
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DeliveryError(
        `invoke ${this.#endpoint.functionArn} failed: ${timeout.aborted ? `no answer within ${this.#endpoint.timeoutMs} ms` : reason}`,
        { retryable: timeout.aborted || isRetryableAwsError(error) },
        { cause: error },
      );
    }
    const status = out.StatusCode ?? 0;
    if (out.FunctionError === undefined && status >= 200 && status < 300) return { status };
    const excerpt = Buffer.from(out.Payload ?? new Uint8Array())
      .subarray(0, EXCERPT_BYTES)
      .toString('utf8');
    throw new DeliveryError(
      `invoke ${this.#endpoint.functionArn} returned ${out.FunctionError ? `function error ${out.FunctionError}` : `status ${status}`}`,
      { retryable: true, status, excerpt },
    );
  }
}
