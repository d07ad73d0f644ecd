/**
 * The send step's one interface to SQS: SendMessageBatch of one call's messages, answering the
 * entries SQS did not accept. Two implementations: the lean one (lean-sqs.ts: the request built
 * by string, signed with a cached key, over keep-alive sockets; what the poller uses) and the
 * AWS SDK's client (the fallback: `sendPath: 'sdk'`, or when the lean one cannot reach the
 * client's endpoint the way the SDK would). Both throw errors that isRetryableAwsError reads
 * alike (`$retryable`, `$fault`, network codes) and name them by SQS's error code.
 */
import { type BatchResultErrorEntry, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { leanSqsTransport } from './lean-sqs.ts';
import type { OutgoingMessage } from './send-plan.ts';

/** An entry SQS did not accept (SendMessageBatch's `Failed`). */
export type FailedEntry = Pick<BatchResultErrorEntry, 'Id' | 'Code' | 'Message' | 'SenderFault'>;

export interface SqsBatchTransport {
  /** Sends `messages` (at most 10, see send-plan.ts) in one SendMessageBatch; the entries that failed. */
  sendBatch(
    queueUrl: string,
    messages: readonly OutgoingMessage[],
    signal?: AbortSignal,
  ): Promise<readonly FailedEntry[]>;
}

/** SendMessageBatch through the AWS SDK's client (its middleware: retries, signing, call recording). */
export function sdkTransport(sqs: Pick<SQSClient, 'send'>): SqsBatchTransport {
  return {
    async sendBatch(queueUrl, messages, signal) {
      const output = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m) => ({
            Id: m.id,
            MessageBody: m.body,
            MessageGroupId: m.groupId,
            MessageDeduplicationId: m.deduplicationId,
          })),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return output.Failed ?? [];
    },
  };
}

/** Which way SendMessageBatch goes: the lean request (default) or the SDK's client. */
export type SendPath = 'lean' | 'sdk';

/** One lean transport (one connection pool per endpoint) per SQS client, shared by the routes that use it. */
const leanOf = new WeakMap<SQSClient, Promise<SqsBatchTransport>>();

/**
 * The poller's transport over `sqs`: the lean one, resolved from the client's configuration on
 * the first send and shared by every route polled with the same client, or the SDK's when
 * `path` is 'sdk' or the lean one cannot serve the client.
 */
export function pollerTransport(sqs: SQSClient, path: SendPath = 'lean'): SqsBatchTransport {
  const sdk = sdkTransport(sqs);
  if (path === 'sdk') return sdk;
  return {
    async sendBatch(queueUrl, messages, signal) {
      let chosen = leanOf.get(sqs);
      if (chosen === undefined) {
        chosen = leanSqsTransport(sqs).then((lean) => lean ?? sdk);
        leanOf.set(sqs, chosen);
      }
      return (await chosen).sendBatch(queueUrl, messages, signal);
    },
  };
}
