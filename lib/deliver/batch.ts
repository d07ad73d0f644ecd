import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deliverConcurrency } from '../config/index.ts';
import type { Deliverer } from './deliverer.ts';
import { runGroups } from './groups.ts';
import { METRICS } from './observability.ts';

/** Time kept back from the invocation's remaining time for the writes after the last attempt. */
const SAFETY_MARGIN_MS = 3_000;

export interface DeliverBatchOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly now?: () => number;
}

/**
 * Processes one SQS FIFO batch (runGroups, groups.ts): a failed message fails the rest of *its
 * group* in the batch (held back, counted as mps.order.skipped.count), other groups go on
 * (docs/architecture.md, Delivery). With the route's `deliver.maxCallsInFlight`, up to
 * `deliverConcurrency(route).callsPerInvocation` groups are called at once, each in order.
 *
 * Held-back messages are in flight too, and SQS hands out no message of a group while one of
 * it is in flight: if they kept the queue's long visibility timeout, the failed message could
 * not come back after its short backoff. So they get the same visibility timeout as their
 * group's failed message. A batch where everything failed is reported as failures like any
 * other, instead of failing the invocation, which would undo nothing. The batch's ledger entry is
 * written before the answer (Deliverer.endBatch): if that fails, the invocation fails and every
 * message comes back.
 */
export async function deliverBatch(
  event: SQSEvent,
  context: Context,
  deliverer: Deliverer,
  options: DeliverBatchOptions,
): Promise<SQSBatchResponse> {
  const now = options.now ?? Date.now;
  const batch = await deliverer.beginBatch(event.Records);
  const attemptEnd = () => {
    const timeoutMs = deliverer.route.endpoint.timeoutMs;
    return now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS - timeoutMs;
  };
  const { callsPerInvocation } = deliverConcurrency(deliverer.route);
  const run = await runGroups(event.Records, callsPerInvocation, (record) =>
    deliverer.process(record, batch, attemptEnd()),
  );
  await deliverer.endBatch(batch);
  const byId = new Map(event.Records.map((record) => [record.messageId, record]));
  const skipped = run.skipped.map((id) => byId.get(id)).filter((record) => record !== undefined);
  if (skipped.length > 0) {
    deliverer.metrics.count(METRICS.skipped, skipped.length);
    await holdBack(options, skipped, batch.groupVisibility);
  }
  return {
    batchItemFailures: [...run.failed, ...run.skipped].map((itemIdentifier) => ({ itemIdentifier })),
  };
}

async function holdBack(
  options: DeliverBatchOptions,
  records: readonly SQSRecord[],
  groupVisibility: ReadonlyMap<string, number>,
): Promise<void> {
  const entries = records.map((record, index) => ({
    Id: String(index),
    ReceiptHandle: record.receiptHandle,
    VisibilityTimeout: groupVisibility.get(record.attributes.MessageGroupId ?? '') ?? 0,
  }));
  const out = await options.sqs.send(
    new ChangeMessageVisibilityBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }),
  );
  // A message whose visibility could not be changed still comes back after the queue's timeout:
  // later, never lost or out of order, so this is not worth failing the invocation for.
  if ((out.Failed ?? []).length > 0) {
    console.warn(
      `deliver: could not change the visibility of ${out.Failed?.length} held-back message(s): ${out.Failed?.map((f) => f.Message).join('; ')}`,
    );
  }
}
