// The deliver function the way Lambda runs it, for integration tests: Lambda's SQS event source
// reproduced by LocalEventSource, handing each batch to deliverBatch with the given deliverer.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { deliverConcurrency } from '../../lib/config/index.ts';
import { deliverBatch } from '../../lib/deliver/batch.ts';
import { createDeliverer, type DelivererWiring } from '../../lib/deliver/create.ts';
import type { Deliverer } from '../../lib/deliver/deliverer.ts';
import { LocalEventSource } from '../../lib/local/event-source.ts';
import { createFifoQueue, type FifoQueue } from './aws.ts';

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

export interface DeliveredRoute {
  readonly queue: FifoQueue;
  readonly dlq: FifoQueue;
  readonly deliverer: Deliverer;
  /** The route's deliver function on its queue (not started). */
  readonly runner: LocalEventSource;
  /** What the runner's invocations threw. */
  readonly errors: unknown[];
}

/**
 * The route's queue `<name>.fifo` (visibility timeout 30 s) and dead-letter queue
 * `<name>-dlq.fifo`, a deliverer wired to them and its runner (the function timeout 30 s; the
 * event source's concurrency derived from the route's `deliver.maxCallsInFlight`, as the stack does).
 */
export async function deliverRoute(
  name: string,
  wiring: Omit<DelivererWiring, 'queueUrl' | 'deadLetterQueueUrl'>,
): Promise<DeliveredRoute> {
  const sqs = wiring.clients.sqs;
  const queue = await createFifoQueue(sqs, name, { VisibilityTimeout: '30' });
  const dlq = await createFifoQueue(sqs, `${name}-dlq`);
  const deliverer = createDeliverer({ ...wiring, queueUrl: queue.url, deadLetterQueueUrl: dlq.url });
  const errors: unknown[] = [];
  const runner = deliverRunner(sqs, queue, deliverer, {
    onError: (error) => errors.push(error),
    // As the stack sizes the event source when the route sets the endpoint's concurrency.
    ...(wiring.route.deliver.maxCallsInFlight === undefined
      ? {}
      : { concurrency: deliverConcurrency(wiring.route).invocations }),
  });
  return { queue, dlq, deliverer, runner, errors };
}
