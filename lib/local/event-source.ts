import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface LocalEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The queue's ARN, passed on as eventSourceARN. */
  readonly queueArn: string;
  readonly handler: SqsBatchHandler;
  /** At most 10 for FIFO, like Lambda's event source. */
  readonly batchSize?: number;
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
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
      throw new RangeError(`batchSize must be 1-10 for a FIFO queue, got ${batchSize}`);
    }
    this.#o = options;
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

  /** Receives and processes one batch; returns how many messages it held (0 when the queue was empty). */
  async pollOnce(): Promise<number> {
    const out = await this.#o.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#o.queueUrl,
        MaxNumberOfMessages: this.#o.batchSize ?? 10,
        WaitTimeSeconds: this.#o.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.#abort.signal },
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return 0;
    const records = messages.map((message) => this.#record(message));
    let failed: Set<string>;
    try {
      const response = await this.#o.handler({ Records: records }, this.#context());
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      // Like Lambda: a failed invocation deletes nothing; every message comes back.
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

  #context(): Context {
    return lambdaContext('local-event-source', this.#o.functionTimeoutMs ?? 30_000);
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
