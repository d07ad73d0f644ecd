// The deliver function the way Lambda runs it, for integration tests: Lambda's SQS event source
// reproduced by LocalEventSource, handing each batch to deliverBatch with the given deliverer.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { deliverBatch } from '../../lib/deliver/batch.ts';
import type { Deliverer } from '../../lib/deliver/deliverer.ts';
import { LocalEventSource } from '../../lib/local/event-source.ts';

export interface DeliverRunnerOptions {
  readonly functionTimeoutMs?: number;
  readonly onError?: (error: unknown) => void;
  /** Invocations at once (the SQS event source's maximum concurrency); 1 by default. */
  readonly concurrency?: number;
}

/** An event source on `queue` that runs `deliverer` over its batches (not started). */
export function deliverRunner(
  sqs: SQSClient,
  queue: { readonly url: string; readonly arn: string },
  deliverer: Deliverer,
  options: DeliverRunnerOptions = {},
): LocalEventSource {
  return new LocalEventSource({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    waitTimeSeconds: 1,
    ...options,
    handler: (event, context) => deliverBatch(event, context, deliverer, { sqs, queueUrl: queue.url }),
  });
}
