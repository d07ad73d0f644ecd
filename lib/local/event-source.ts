import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** Lambda's payload limit for a synchronous invocation (what an event source mapping makes). */
export const LAMBDA_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * A function's concurrent executions: its reserved concurrency, shared by every trigger of the
 * function (a stream and a schedule of the commit function), as Lambda counts them.
 */
export class Slots {
  readonly size: number;
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.size = size;
    this.#free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#free += 1;
      else next();
    }
  }
}

/** The invocation's outcome: Lambda's own errors for a timeout or an event over the payload limit. */
export class InvocationError extends Error {}

/**
 * One invocation as Lambda makes it: an event over the payload limit is refused before the
 * function runs, and an invocation still running at the function's timeout is abandoned (Lambda
 * stops it; here its promise is left to settle unobserved) and fails with Lambda's message.
 */
export async function invokeAsLambda<T>(
  event: unknown,
  timeoutMs: number,
  invoke: (context: Context) => Promise<T>,
  functionName = 'local-event-source',
): Promise<T> {
  const bytes = Buffer.byteLength(JSON.stringify(event));
  if (bytes > LAMBDA_INVOKE_PAYLOAD_BYTES) {
    throw new InvocationError(
      `${functionName}: event of ${bytes} bytes exceeds Lambda's ${LAMBDA_INVOKE_PAYLOAD_BYTES}-byte invoke payload limit (RequestEntityTooLargeException); not invoked`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new InvocationError(
            `${functionName}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
          ),
        ),
      timeoutMs,
    );
  });
  const running = invoke(lambdaContext(functionName, timeoutMs));
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export interface LocalEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The queue's ARN, passed on as eventSourceARN. */
  readonly queueArn: string;
  readonly handler: SqsBatchHandler;
  /** At most 10 for FIFO, like Lambda's event source. */
  readonly batchSize?: number;
  /** The mapping's MaximumBatchingWindowInSeconds, in ms: receives gather a batch this long. Default 0. */
  readonly batchingWindowMs?: number;
  /** FunctionResponseTypes has ReportBatchItemFailures; without it a returned list is ignored. Default true. */
  readonly reportBatchItemFailures?: boolean;
  /** The function's reserved concurrency, when it has one (shared with its other triggers). */
  readonly slots?: Slots;
  /** Long polling wait per receive, in seconds. */
  readonly waitTimeSeconds?: number;
  /** Batches processed at once (Lambda's concurrency); SQS FIFO keeps a group in one batch at a time. */
  readonly concurrency?: number;
  /** What getRemainingTimeInMillis counts down from, like the function's timeout. */
  readonly functionTimeoutMs?: number;
  readonly region?: string;
  /** Called when the handler throws or the runner's own SQS calls fail; the loop goes on. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Lambda's SQS event source, reproduced for local mode and tests (docs/architecture.md, Operating it):
 * long-polls a FIFO queue, hands batches of up to 10 messages (which may mix groups) to the
 * handler with a Lambda-like context, deletes the messages it did not report in
 * `batchItemFailures`, and leaves the reported ones (and all of them when the handler throws)
 * in flight, so they come back when their visibility timeout ends, as with the real thing.
 * One batch per group in flight comes from SQS FIFO itself: a group's messages are not handed
 * out while one of them is in flight.
 */
export class LocalEventSource {
  readonly #o: LocalEventSourceOptions;
  #running = false;
  #loops: Promise<void>[] = [];
  #abort = new AbortController();

  constructor(options: LocalEventSourceOptions) {
    const batchSize = options.batchSize ?? 10;
    const fifo = options.queueUrl.endsWith('.fifo');
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > (fifo ? 10 : 10_000)) {
      throw new RangeError(`batchSize must be 1-${fifo ? 10 : 10_000} for this queue, got ${batchSize}`);
    }
    this.#o = options;
  }

  /** What this event source runs with (compared with the template by test/e2e/local-wiring.test.ts). */
  get settings() {
    return {
      queueUrl: this.#o.queueUrl,
      batchSize: this.#o.batchSize ?? 10,
      batchingWindowMs: this.#o.batchingWindowMs ?? 0,
      concurrency: this.#o.concurrency ?? 1,
      functionTimeoutMs: this.#o.functionTimeoutMs ?? 30_000,
      reportBatchItemFailures: this.#o.reportBatchItemFailures ?? true,
      reservedConcurrency: this.#o.slots?.size,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    const concurrency = this.#o.concurrency ?? 1;
    this.#loops = Array.from({ length: concurrency }, () => this.#loop());
  }

  /** Stops polling and waits for the batches in progress to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  /** Receives up to a batch, for at most the batching window once the first message came. */
  async #receive(): Promise<Message[]> {
    const size = this.#o.batchSize ?? 10;
    const windowEnds = Date.now() + (this.#o.batchingWindowMs ?? 0);
    const messages: Message[] = [];
    do {
      const out = await this.#o.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#o.queueUrl,
          MaxNumberOfMessages: Math.min(10, size - messages.length),
          WaitTimeSeconds: messages.length === 0 ? (this.#o.waitTimeSeconds ?? 1) : 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.#abort.signal },
      );
      messages.push(...(out.Messages ?? []));
      if (messages.length === 0) return messages;
    } while (messages.length < size && Date.now() < windowEnds && this.#running);
    return messages;
  }

  /** Receives and processes one batch; returns how many messages it held (0 when the queue was empty). */
  async pollOnce(): Promise<number> {
    const messages = await this.#receive();
    if (messages.length === 0) return 0;
    const records = messages.map((message) => this.#record(message));
    const timeoutMs = this.#o.functionTimeoutMs ?? 30_000;
    const invoke = () =>
      invokeAsLambda({ Records: records }, timeoutMs, (context) =>
        this.#o.handler({ Records: records }, context),
      );
    let failed: Set<string>;
    try {
      const response = await (this.#o.slots === undefined ? invoke() : this.#o.slots.run(invoke));
      failed =
        this.#o.reportBatchItemFailures === false
          ? new Set()
          : new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      // Like Lambda: a failed, timed-out or refused invocation deletes nothing; every message
      // comes back after the queue's visibility timeout.
      this.#o.onError?.(error);
      return messages.length;
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    if (done.length > 0) {
      const deleted = await this.#o.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#o.queueUrl,
          Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      if ((deleted.Failed ?? []).length > 0) {
        this.#o.onError?.(
          new Error(
            `local event source: ${deleted.Failed?.length} delete(s) failed: ${deleted.Failed?.map((f) => f.Message).join('; ')}`,
          ),
        );
      }
    }
    return messages.length;
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      try {
        await this.pollOnce();
      } catch (error) {
        if (!this.#running) return;
        this.#o.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  #record(message: Message): SQSRecord {
    const attributes = message.Attributes ?? {};
    const messageAttributes: SQSRecord['messageAttributes'] = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      messageAttributes[name] = {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined
          ? {}
          : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
        stringListValues: [],
        binaryListValues: [],
      };
    }
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
        SentTimestamp: attributes.SentTimestamp ?? '',
        SenderId: attributes.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
        ...(attributes.SequenceNumber === undefined ? {} : { SequenceNumber: attributes.SequenceNumber }),
        ...(attributes.MessageGroupId === undefined ? {} : { MessageGroupId: attributes.MessageGroupId }),
        ...(attributes.MessageDeduplicationId === undefined
          ? {}
          : { MessageDeduplicationId: attributes.MessageDeduplicationId }),
      },
      messageAttributes,
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.#o.queueArn,
      awsRegion: this.#o.region ?? 'us-east-1',
    };
  }
}

/** The Lambda context of one local invocation: its deadline is `timeoutMs` from now. */
export function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: crypto.randomUUID(),
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
