// Counts what AWS bills for, call by call, through the SDK clients' middleware stacks: SQS
// requests in 64 KiB chunks, DynamoDB read and write request units from item sizes, S3 requests
// by price tier. Calls are attributed to the part of the bridge that made them (poller, deliver,
// redrive, commit, the event source) through an AsyncLocalStorage tag set around each run.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** Who made a call: a bridge function, the local event source (Lambda's poller), or the Fargate poller. */
export type Component = 'poller' | 'event-source' | 'deliver' | 'redrive' | 'commit';

/** Billable units of one service operation made by one component. */
export interface OperationUsage {
  component: Component;
  service: 'sqs' | 'dynamodb' | 's3';
  operation: string;
  calls: number;
  /** SQS: billed requests (one per started 64 KiB of payload). */
  sqsRequests: number;
  /** SQS: ReceiveMessage calls that returned nothing (idle polling, not per record). */
  emptyReceives: number;
  /** DynamoDB write request units (1 per started KB of the larger of the old and new item). */
  wru: number;
  /** DynamoDB read request units (1 per started 4 KB strongly consistent, half that eventually). */
  rru: number;
  /** S3 PUT, COPY, POST, LIST requests. */
  s3Tier1: number;
  /** S3 GET, HEAD requests. */
  s3Tier2: number;
  /** Calls that failed (conditional checks included: they are billed too). */
  failed: number;
  /** Wall time spent in these calls, ms (emulator latency plus this process's own waits), summed over calls. */
  ms: number;
}

const SQS_CHUNK = 64 * 1024;
const WRITE_UNIT = 1024;
const READ_UNIT = 4096;

type Item = Record<string, unknown>;

/**
 * DynamoDB's item size: attribute names plus values (strings UTF-8, numbers about one byte per
 * two significant digits plus one, binary its length, lists and maps 3 bytes plus 1 per element).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M']);

/**
 * The size of one attribute value, marshalled (`{ S: 'x' }`, as requests carry them) or native
 * (as the document client's answers arrive: it unmarshalls before this middleware sees them).
 */
function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(String(value));
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce<number>((sum, e) => sum + valueSize(e), 0);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, e) => sum + 1 + valueSize(e), 0);
  if (typeof value !== 'object') throw new Error(`meter: cannot size a ${typeof value}`);
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first !== undefined && ATTRIBUTE_TYPES.has(first[0])) {
    const [type, v] = first;
    switch (type) {
      case 'S':
        return Buffer.byteLength(String(v));
      case 'N':
        return numberSize(String(v));
      case 'B':
        return binarySize(v);
      case 'BOOL':
      case 'NULL':
        return 1;
      case 'SS':
        return (v as string[]).reduce((sum, e) => sum + Buffer.byteLength(e), 0);
      case 'NS':
        return (v as string[]).reduce((sum, e) => sum + numberSize(e), 0);
      case 'BS':
        return (v as unknown[]).reduce<number>((sum, e) => sum + binarySize(e), 0);
      case 'L':
        return 3 + (v as unknown[]).reduce<number>((sum, e) => sum + 1 + valueSize(e), 0);
      default: // 'M'
        return 3 + Object.keys(v as object).length + itemSize(v as Item);
    }
  }
  // A native map.
  return 3 + entries.length + itemSize(value as Item);
}

function numberSize(n: string): number {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function binarySize(b: unknown): number {
  if (b instanceof Uint8Array) return b.byteLength;
  return Buffer.from(String(b), 'base64').byteLength;
}

export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT));
}

export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT));
  return consistent ? units : units / 2;
}

/** Billed SQS requests for a call carrying `payloadBytes` of messages (at least one). */
export function sqsRequests(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / SQS_CHUNK));
}

interface SqsMessageLike {
  MessageBody?: string;
  Body?: string;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: Uint8Array }>;
}

/** A message's billed size: body plus each attribute's name, type and value. */
export function sqsMessageBytes(message: SqsMessageLike): number {
  let bytes = Buffer.byteLength(message.MessageBody ?? message.Body ?? '');
  for (const [name, attribute] of Object.entries(message.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType ?? '');
    bytes += attribute.StringValue !== undefined ? Buffer.byteLength(attribute.StringValue) : 0;
    bytes += attribute.BinaryValue?.byteLength ?? 0;
  }
  return bytes;
}

const S3_TIER1 = new Set([
  'PutObject',
  'CopyObject',
  'ListObjectsV2',
  'ListObjects',
  'CreateMultipartUpload',
]);
const S3_TIER2 = new Set(['GetObject', 'HeadObject', 'HeadBucket']);

interface MiddlewareContext {
  commandName?: string;
}
type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;
interface Stackable {
  middlewareStack: {
    add(
      middleware: (next: Handler, context: MiddlewareContext) => Handler,
      options: { step: 'initialize' | 'build'; name: string; priority?: 'high' | 'low' },
    ): void;
  };
}

/** One call: who, which service and operation, its input and output (none when it failed), whether it failed. */
type CountArgs = [
  component: Component,
  service: OperationUsage['service'],
  operation: string,
  input: Record<string, unknown>,
  output: Record<string, unknown> | undefined,
  failed: boolean,
  started: number,
];

export class UsageMeter {
  readonly #tag = new AsyncLocalStorage<Component>();
  readonly #usage = new Map<string, OperationUsage>();
  /** Item sizes last written, per table and key: deletes and projected queries are billed on the whole item. */
  readonly #sizes = new Map<string, number>();
  #active = false;
  #completionInserts = 0;
  #completionBytes = 0;
  /** Per component: calls in flight, since when, and the time with at least one in flight. */
  readonly #busy = new Map<Component, { inFlight: number; since: number; ms: number }>();

  /**
   * The wall time during which `component` had at least one AWS call in flight: concurrent calls
   * (a batch's quarantine Query and its BatchGetItem) count once, unlike the per-call sums.
   */
  busyMs(component: Component): number {
    return this.#busy.get(component)?.ms ?? 0;
  }

  /** Calls the meter could not price (reported with the results, never thrown into the bridge). */
  readonly errors: string[] = [];

  /** Completion items written, per-record items and ledger entries (the commit function's stream INSERTs, which trigger its runs when deployed). */
  get completionInserts(): number {
    return this.#completionInserts;
  }

  /** Bytes of the completion items written (DynamoDB's item size, without its 100-byte overhead). */
  get completionBytes(): number {
    return this.#completionBytes;
  }

  /** Counting starts here (provisioning and setup calls before it are not the bridge's cost). */
  start(): void {
    this.#active = true;
  }

  stop(): void {
    this.#active = false;
  }

  /** Runs `work` with its AWS calls attributed to `component`. */
  within<T>(component: Component, work: () => Promise<T>): Promise<T> {
    return this.#tag.run(component, work);
  }

  usage(): OperationUsage[] {
    return [...this.#usage.values()].sort((a, b) =>
      `${a.component}${a.service}${a.operation}`.localeCompare(`${b.component}${b.service}${b.operation}`),
    );
  }

  attach(clients: { sqs: SQSClient; dynamo: DynamoDBClient; s3: S3Client }): void {
    this.#attach(clients.sqs as unknown as Stackable, 'sqs');
    this.#attach(clients.dynamo as unknown as Stackable, 'dynamodb');
    this.#attach(clients.s3 as unknown as Stackable, 's3');
  }

  #attach(client: Stackable, service: OperationUsage['service']): void {
    if (service === 'dynamodb') {
      // Updates are billed on the larger of the old and new item: ask for the new one when the
      // caller does not ask for anything itself (it then ignores the answer's Attributes).
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'UpdateItemCommand' && args.input.ReturnValues === undefined) {
            args.input.ReturnValues = 'ALL_NEW';
          }
          return next(args);
        },
        { step: 'initialize', name: 'costMeterReturnValues', priority: 'high' },
      );
    }
    // At the build step the input is marshalled (DynamoDB attribute values) and the output not
    // yet unmarshalled by the document client.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const component = this.#tag.getStore() ?? defaultComponent(operation);
        const started = performance.now();
        const busy = this.#busy.get(component) ?? { inFlight: 0, since: 0, ms: 0 };
        this.#busy.set(component, busy);
        if (busy.inFlight++ === 0) busy.since = started;
        const settle = () => {
          if (--busy.inFlight === 0 && this.#active) busy.ms += performance.now() - busy.since;
        };
        try {
          const result = await next(args);
          settle();
          this.#safeCount(component, service, operation, args.input, result.output, false, started);
          return result;
        } catch (error) {
          settle();
          this.#safeCount(component, service, operation, args.input, undefined, true, started);
          throw error;
        }
      },
      { step: 'build', name: 'costMeter' },
    );
  }

  #safeCount(...countArgs: CountArgs): void {
    if (!this.#active) return;
    try {
      this.#count(...countArgs);
    } catch (error) {
      // A pricing bug must not change what the bridge does; it is reported with the results.
      this.errors.push(
        `${countArgs[1]} ${countArgs[2]}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  #entry(component: Component, service: OperationUsage['service'], operation: string): OperationUsage {
    const key = `${component}|${service}|${operation}`;
    let entry = this.#usage.get(key);
    if (entry === undefined) {
      entry = {
        component,
        service,
        operation,
        calls: 0,
        sqsRequests: 0,
        emptyReceives: 0,
        wru: 0,
        rru: 0,
        s3Tier1: 0,
        s3Tier2: 0,
        failed: 0,
        ms: 0,
      };
      this.#usage.set(key, entry);
    }
    return entry;
  }

  #count(...[component, service, operation, input, output, failed, started]: CountArgs): void {
    const entry = this.#entry(component, service, operation);
    entry.calls++;
    entry.ms += performance.now() - started;
    if (failed) entry.failed++;
    if (service === 'sqs') this.#countSqs(entry, operation, input, output);
    else if (service === 's3') {
      if (S3_TIER1.has(operation)) entry.s3Tier1++;
      else if (S3_TIER2.has(operation)) entry.s3Tier2++;
    } else this.#countDynamo(entry, operation, input, output);
  }

  #countSqs(
    entry: OperationUsage,
    operation: string,
    input: Record<string, unknown>,
    output: Record<string, unknown> | undefined,
  ): void {
    let bytes = 0;
    if (operation === 'SendMessage') bytes = sqsMessageBytes(input as SqsMessageLike);
    else if (operation === 'SendMessageBatch') {
      for (const message of (input.Entries ?? []) as SqsMessageLike[]) bytes += sqsMessageBytes(message);
    } else if (operation === 'ReceiveMessage') {
      const messages = (output?.Messages ?? []) as SqsMessageLike[];
      if (output !== undefined && messages.length === 0) entry.emptyReceives++;
      for (const message of messages) bytes += sqsMessageBytes(message);
    }
    entry.sqsRequests += sqsRequests(bytes);
  }

  #key(table: string, key: Item): string {
    // Requests carry marshalled keys, answers native ones: key both the same way.
    const plain = (v: unknown) =>
      v !== null && typeof v === 'object' && 'S' in v ? String((v as { S: unknown }).S) : String(v);
    const pk = plain(key.pk);
    const sk = plain(key.sk);
    return `${table}|${pk}|${sk}`;
  }

  #countDynamo(
    entry: OperationUsage,
    operation: string,
    input: Record<string, unknown>,
    output: Record<string, unknown> | undefined,
  ): void {
    const table = String(input.TableName ?? '');
    const consistent = input.ConsistentRead === true;
    switch (operation) {
      case 'PutItem': {
        const item = input.Item as Item;
        const key = this.#key(table, item);
        const size = itemSize(item);
        entry.wru += writeUnits(Math.max(size, this.#sizes.get(key) ?? 0));
        if (output !== undefined) {
          this.#sizes.set(key, size);
          // A per-record completion, or a ledger entry (one per deliverer batch).
          const perRecord = item.from !== undefined && item.offset !== undefined && item.status !== undefined;
          if (perRecord || item.records !== undefined) {
            this.#completionInserts++;
            this.#completionBytes += size;
          }
        }
        break;
      }
      case 'UpdateItem': {
        const key = this.#key(table, input.Key as Item);
        const after = output?.Attributes as Item | undefined;
        const size = after === undefined ? 0 : itemSize(after);
        entry.wru += writeUnits(Math.max(size, this.#sizes.get(key) ?? 0));
        if (after !== undefined) this.#sizes.set(key, size);
        break;
      }
      case 'DeleteItem': {
        const key = this.#key(table, input.Key as Item);
        entry.wru += writeUnits(this.#sizes.get(key) ?? 0);
        if (output !== undefined) this.#sizes.delete(key);
        break;
      }
      case 'GetItem': {
        const item = output?.Item as Item | undefined;
        entry.rru += readUnits(item === undefined ? 0 : this.#fullSize(table, item), consistent);
        break;
      }
      case 'Query':
      case 'Scan': {
        // Billed on the whole items read, summed before rounding up (projections do not reduce it).
        const items = (output?.Items ?? []) as Item[];
        const bytes = items.reduce((sum, item) => sum + this.#fullSize(table, item), 0);
        entry.rru += readUnits(bytes, consistent);
        break;
      }
      case 'BatchGetItem': {
        // Each key is billed as its own read, found or not (so a batch saves calls, not units).
        const requests = (input.RequestItems ?? {}) as Record<
          string,
          { Keys?: Item[]; ConsistentRead?: boolean }
        >;
        const responses = (output?.Responses ?? {}) as Record<string, Item[]>;
        const unprocessed = (output?.UnprocessedKeys ?? {}) as Record<string, { Keys?: Item[] }>;
        for (const [name, request] of Object.entries(requests)) {
          const found = responses[name] ?? [];
          const read = (request.Keys ?? []).length - (unprocessed[name]?.Keys ?? []).length;
          for (const item of found)
            entry.rru += readUnits(this.#fullSize(name, item), request.ConsistentRead === true);
          entry.rru += Math.max(0, read - found.length) * readUnits(0, request.ConsistentRead === true);
        }
        break;
      }
      case 'BatchWriteItem': {
        const requests = (input.RequestItems ?? {}) as Record<
          string,
          { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
        >;
        for (const [name, writes] of Object.entries(requests)) {
          for (const write of writes) {
            if (write.PutRequest !== undefined) {
              const key = this.#key(name, write.PutRequest.Item);
              const size = itemSize(write.PutRequest.Item);
              entry.wru += writeUnits(Math.max(size, this.#sizes.get(key) ?? 0));
              this.#sizes.set(key, size);
            } else if (write.DeleteRequest !== undefined) {
              const key = this.#key(name, write.DeleteRequest.Key);
              entry.wru += writeUnits(this.#sizes.get(key) ?? 0);
              this.#sizes.delete(key);
            }
          }
        }
        break;
      }
      default:
        // Control-plane calls (DescribeTable...) are not billed per request.
        break;
    }
  }

  #fullSize(table: string, item: Item): number {
    return Math.max(itemSize(item), this.#sizes.get(this.#key(table, item)) ?? 0);
  }
}

/** Calls made outside any tagged run: the event source's polling, else the poller. */
function defaultComponent(operation: string): Component {
  return operation === 'ReceiveMessage' || operation === 'DeleteMessageBatch' ? 'event-source' : 'poller';
}
