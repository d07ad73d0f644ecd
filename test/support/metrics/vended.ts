/**
 * Stand-ins for the metrics AWS publishes itself, which no emulator publishes: a function's
 * `AWS/Lambda` `Invocations` and `Errors` (an invocation that throws, rejects, or outlives its
 * timeout, as Lambda counts them) and a queue's `AWS/SQS` `ApproximateAgeOfOldestMessage` (the
 * oldest message the function received and has not finished: still in the queue), written by the
 * process that runs the function (test/support/lambda-runner.ts) as EMF lines marked
 * VENDED_MARKER on its stdout, where the recorder reads the bundle's own EMF lines; and a
 * queue's `ApproximateNumberOfMessagesVisible`, sampled with GetQueueAttributes in the test
 * process. Their dimensions are AWS's: `FunctionName` (locally the function's logical id in the
 * template, which the runner is given as AWS_LAMBDA_FUNCTION_NAME) and `QueueName`.
 *
 * In a scaled run (`timeScale` > 1, every clock of the run divided by it) the sampled ones are
 * written once per scaled minute, as AWS writes them once a minute, and an age is written in
 * deployed time (real seconds x timeScale), so it compares with the alarm's own threshold.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Datapoint, VENDED_MARKER } from './datapoints.ts';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/**
 * Runs `fn` once per period, a tenth into each period of the epoch clock (as CloudWatch's periods
 * are aligned), so a run of a scaled clock never lands in its neighbour's period. Unref'd.
 */
export function everyPeriod(periodMs: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const next = () => {
    timer = setTimeout(
      () => {
        fn();
        next();
      },
      periodMs - (Date.now() % periodMs) + periodMs / 10,
    );
    timer.unref();
  };
  next();
  return () => clearTimeout(timer);
}

/** One EMF line of a stand-in. */
export function vendedLine(
  namespace: string,
  dimensions: Record<string, string>,
  values: Record<string, number>,
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.keys(values).map((Name) => ({ Name })),
        },
      ],
    },
    [VENDED_MARKER]: true,
    ...dimensions,
    ...values,
  });
}

export interface VendedOptions {
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly timeScale: number;
  readonly write: (line: string) => void;
}

/**
 * The handler, publishing the Lambda and SQS stand-ins of its invocations; `stop()` ends the
 * once-a-minute age line.
 */
export function withVendedMetrics(
  handler: Handler,
  o: VendedOptions,
): { handler: Handler; stop: () => void } {
  const unfinished = new Map<string, { queue: string; sent: number }>();
  const lambda = (errors: number) =>
    o.write(vendedLine('AWS/Lambda', { FunctionName: o.functionName }, { Invocations: 1, Errors: errors }));
  const wrapped: Handler = async (event, context) => {
    for (const record of event.Records ?? []) {
      const queue = record.eventSourceARN?.split(':').at(-1);
      if (queue !== undefined)
        unfinished.set(record.messageId, { queue, sent: Number(record.attributes.SentTimestamp) });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      lambda(1);
    }, o.timeoutMs);
    try {
      const response = await handler(event, context);
      const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      for (const record of event.Records ?? [])
        if (!failed.has(record.messageId)) unfinished.delete(record.messageId);
      if (!timedOut) lambda(0);
      return response;
    } catch (error) {
      if (!timedOut) lambda(1);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  const stop = everyPeriod(60_000 / o.timeScale, () => {
    const oldest = new Map<string, number>();
    for (const { queue, sent } of unfinished.values())
      oldest.set(queue, Math.min(oldest.get(queue) ?? sent, sent));
    for (const [queue, sent] of oldest) {
      const age = Math.round(((Date.now() - sent) / 1000) * o.timeScale);
      o.write(vendedLine('AWS/SQS', { QueueName: queue }, { ApproximateAgeOfOldestMessage: age }));
    }
  });
  return { handler: wrapped, stop };
}

/** Samples the visible messages of queues once per (scaled) minute into `sink`. */
export function sampleQueueDepths(
  sqs: SQSClient,
  queues: ReadonlyMap<string, string>,
  timeScale: number,
  sink: (point: Datapoint) => void,
): () => void {
  return everyPeriod(60_000 / timeScale, () => {
    for (const [name, url] of queues) {
      void sqs
        .send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        )
        .then((out) =>
          sink({
            namespace: 'AWS/SQS',
            metric: 'ApproximateNumberOfMessagesVisible',
            dimensions: { QueueName: name },
            value: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
            timestamp: Date.now(),
            origin: 'vended',
          }),
        )
        .catch(() => undefined);
    }
  });
}
