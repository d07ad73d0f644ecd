import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { invokeAsLambda, type Slots } from './event-source.ts';
import { matchesFilter, parseFilter } from './stream-filter.ts';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

export interface LocalStreamSourceOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly tableName: string;
  readonly handler: StreamHandler;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  /** FilterCriteria patterns (JSON text); a record passes when any matches. None: every record. */
  readonly filters: readonly string[];
  readonly startingPosition: 'LATEST' | 'TRIM_HORIZON';
  /** Retries of a failed batch before it is dropped (the mapping's MaximumRetryAttempts). */
  readonly maximumRetryAttempts: number;
  readonly bisectOnError: boolean;
  readonly functionTimeoutMs: number;
  readonly slots: Slots;
  /** How often the shards are read (Lambda polls a stream's shards four times a second). Default 250. */
  readonly pollMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Lambda's DynamoDB stream event source mapping, reproduced for local mode and the tests: reads
 * every shard of the table's stream (from the mapping's starting position; shards that appear
 * later from their start), drops records the mapping's filters reject, gathers the rest into
 * batches of at most `batchSize` for at most the batching window, and invokes the handler one
 * batch at a time, in stream order. A failed batch is retried `maximumRetryAttempts` times
 * (split in halves first with `bisectOnError`), then dropped, as Lambda does without an
 * on-failure destination.
 */
export class LocalStreamSource {
  readonly #o: LocalStreamSourceOptions;
  readonly #filters: readonly unknown[];
  readonly #iterators = new Map<string, string>();
  readonly #seen = new Set<string>();
  #arn = '';
  #buffer: DynamoDBRecord[] = [];
  #firstBufferedAt = 0;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #lastShardScan = 0;

  constructor(options: LocalStreamSourceOptions) {
    this.#o = options;
    this.#filters = options.filters.map(parseFilter);
  }

  get settings() {
    const { batchSize, batchingWindowMs, filters, startingPosition, maximumRetryAttempts, bisectOnError } =
      this.#o;
    return {
      tableName: this.#o.tableName,
      batchSize,
      batchingWindowMs,
      filters,
      startingPosition,
      maximumRetryAttempts,
      bisectOnError,
      functionTimeoutMs: this.#o.functionTimeoutMs,
      reservedConcurrency: this.#o.slots.size,
    };
  }

  /** Finds the stream and positions every open shard; resolves once reading began. */
  async start(): Promise<void> {
    // Through the streams API, as the event source mapping does (the function's own role is not
    // asked): the table's newest stream.
    const listed = await this.#o.streams.send(new ListStreamsCommand({ TableName: this.#o.tableName }));
    const arn = listed.Streams?.at(-1)?.StreamArn;
    if (arn === undefined) throw new Error(`table ${this.#o.tableName} has no stream`);
    this.#arn = arn;
    await this.#scanShards(this.#o.startingPosition);
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #scanShards(position: 'LATEST' | 'TRIM_HORIZON'): Promise<void> {
    this.#lastShardScan = Date.now();
    const stream = await this.#o.streams.send(new DescribeStreamCommand({ StreamArn: this.#arn }));
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId ?? '';
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      // At start with LATEST, a closed shard holds nothing new.
      if (position === 'LATEST' && shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue;
      const out = await this.#o.streams.send(
        new GetShardIteratorCommand({ StreamArn: this.#arn, ShardId: id, ShardIteratorType: position }),
      );
      if (out.ShardIterator !== undefined) this.#iterators.set(id, out.ShardIterator);
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        if (Date.now() - this.#lastShardScan > 5_000) await this.#scanShards('TRIM_HORIZON');
        for (const [shard, iterator] of [...this.#iterators]) {
          const out = await this.#o.streams.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
          );
          if (out.NextShardIterator === undefined) this.#iterators.delete(shard);
          else this.#iterators.set(shard, out.NextShardIterator);
          for (const record of out.Records ?? []) this.#add(lambdaRecord(record, this.#arn));
        }
        while (this.#due()) await this.#invoke(this.#buffer.splice(0, this.#o.batchSize));
      } catch (error) {
        this.#o.onError?.(error);
      }
      await new Promise((resolve) => setTimeout(resolve, this.#o.pollMs ?? 250));
    }
    // Stopping: what was read is handed over, as a mapping does before it is disabled.
    while (this.#buffer.length > 0) await this.#invoke(this.#buffer.splice(0, this.#o.batchSize));
  }

  #add(record: DynamoDBRecord): void {
    if (this.#filters.length > 0 && !this.#filters.some((f) => matchesFilter(f, record))) return;
    if (this.#buffer.length === 0) this.#firstBufferedAt = Date.now();
    this.#buffer.push(record);
  }

  #due(): boolean {
    if (this.#buffer.length === 0) return false;
    return (
      this.#buffer.length >= this.#o.batchSize ||
      Date.now() - this.#firstBufferedAt >= this.#o.batchingWindowMs
    );
  }

  async #invoke(records: DynamoDBRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.#firstBufferedAt = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        const event = { Records: records };
        await this.#o.slots.run(() =>
          invokeAsLambda(event, this.#o.functionTimeoutMs, (context) => this.#o.handler(event, context)),
        );
        return;
      } catch (error) {
        this.#o.onError?.(error);
        if (this.#o.bisectOnError && records.length > 1) {
          const half = Math.ceil(records.length / 2);
          await this.#invoke(records.slice(0, half));
          await this.#invoke(records.slice(half));
          return;
        }
        if (attempt >= this.#o.maximumRetryAttempts) {
          this.#o.onError?.(
            new Error(`stream batch of ${records.length} record(s) dropped after ${attempt} retries`),
          );
          return;
        }
      }
    }
  }
}

/** A stream record as Lambda hands it to a function (creation time in epoch seconds). */
function lambdaRecord(record: StreamRecord, arn: string): DynamoDBRecord {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return {
    ...(record.eventID === undefined ? {} : { eventID: record.eventID }),
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'us-east-1',
    eventSourceARN: arn,
    dynamodb: {
      ...(record.dynamodb as DynamoDBRecord['dynamodb']),
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
    },
  };
}
