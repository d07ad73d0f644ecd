import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { completionTableDefinition } from '../completion/table.ts';
import {
  type BridgeConfig,
  deadLetterQueueName,
  deliverTimeoutMs,
  maxReceiveCount,
  queueName,
  REDRIVE_CONSUMER_ATTEMPTS,
  type Route,
  redriveQueueName,
} from '../config/index.ts';
import type { LocalClients } from './clients.ts';
import { LocalModeError } from './errors.ts';

/** SQS's longest retention: a record waiting out its retries must never expire. */
const RETENTION_SECONDS = 14 * 24 * 3600;

export const DEFAULT_LOCAL_TABLE = 'kafka-bridge-completions';
export const DEFAULT_LOCAL_BUCKET = 'kafka-bridge-local';

export interface ProvisionOptions {
  readonly tableName?: string;
  readonly bucket?: string;
}

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

/** What one route runs on. */
export interface RouteResources {
  readonly route: Route;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly redriveQueue: Queue;
  /** The deliverer's function timeout (ms): what the event source's context counts down from. */
  readonly deliverTimeoutMs: number;
}

export interface Provisioned {
  readonly tableName: string;
  readonly bucket: string;
  readonly routes: ReadonlyMap<string, RouteResources>;
}

/**
 * Creates in the emulators what every route of the config needs: the completions table (with
 * its stream), the bucket (archive and claim checks), and per route its FIFO queue, FIFO DLQ
 * and FIFO redrive queue, the queue redriving into the redrive queue after maxReceiveCount.
 * Idempotent: what exists is kept, and the queues' attributes are set again, so a changed
 * retry.attempts takes effect on the next start.
 */
export async function provision(
  config: BridgeConfig,
  clients: LocalClients,
  options: ProvisionOptions = {},
): Promise<Provisioned> {
  const tableName = options.tableName ?? DEFAULT_LOCAL_TABLE;
  const bucket = options.bucket ?? DEFAULT_LOCAL_BUCKET;
  await ensureTable(clients, tableName);
  await ensureBucket(clients, bucket);
  const routes = new Map<string, RouteResources>();
  for (const route of config.routes) {
    const deadLetterQueue = await ensureQueue(clients, deadLetterQueueName(route), {
      MessageRetentionPeriod: String(RETENTION_SECONDS),
    });
    const redriveQueue = await ensureQueue(clients, redriveQueueName(route), {
      MessageRetentionPeriod: String(RETENTION_SECONDS),
      VisibilityTimeout: '60',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: deadLetterQueue.arn,
        maxReceiveCount: REDRIVE_CONSUMER_ATTEMPTS,
      }),
    });
    const timeoutMs = deliverTimeoutMs(route);
    const queue = await ensureQueue(clients, queueName(route), {
      MessageRetentionPeriod: String(RETENTION_SECONDS),
      // Only a crashed or timed-out invocation leaves a message to this timeout (the deliverer
      // sets its own backoff on failures). The stack uses 6x the function timeout; locally the
      // function timeout itself, so a message of a run killed with Ctrl-C comes back sooner.
      VisibilityTimeout: String(timeoutMs / 1000),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: redriveQueue.arn,
        maxReceiveCount: maxReceiveCount(route),
      }),
    });
    routes.set(route.name, { route, queue, deadLetterQueue, redriveQueue, deliverTimeoutMs: timeoutMs });
  }
  return { tableName, bucket, routes };
}

async function ensureTable(clients: LocalClients, tableName: string): Promise<void> {
  try {
    await clients.dynamo.send(new CreateTableCommand(completionTableDefinition(tableName)));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') {
      throw new LocalModeError(
        `cannot create the completions table ${tableName}: ${messageOf(error)}`,
        'check that moto answers: bash scripts/infra.sh status',
        { cause: error },
      );
    }
  }
  // moto creates tables ACTIVE at once; the check keeps a slower emulator honest.
  const described = await clients.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  if (described.Table?.TableStatus !== 'ACTIVE') {
    throw new LocalModeError(
      `completions table ${tableName} is ${described.Table?.TableStatus ?? 'missing'}, not ACTIVE`,
      'restart the emulators: npm run infra:down && npm run infra:up',
    );
  }
}

async function ensureBucket(clients: LocalClients, bucket: string): Promise<void> {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) {
      throw new LocalModeError(
        `cannot read bucket ${bucket}: ${messageOf(error)}`,
        'check that moto answers: bash scripts/infra.sh status',
        {
          cause: error,
        },
      );
    }
  }
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

async function ensureQueue(
  clients: LocalClients,
  name: string,
  attributes: Partial<Record<QueueAttributeName, string>>,
): Promise<Queue> {
  let url: string | undefined;
  try {
    url = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    const errorName = (error as { name?: string }).name ?? '';
    if (!/NonExistentQueue|QueueDoesNotExist/.test(errorName)) {
      throw new LocalModeError(
        `cannot look up queue ${name}: ${messageOf(error)}`,
        'check that ElasticMQ answers: bash scripts/infra.sh status',
        {
          cause: error,
        },
      );
    }
  }
  if (url === undefined) {
    const created = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          FifoQueue: 'true',
          // High throughput mode, as deployed (accepted and ignored by ElasticMQ, see docs/testing.md).
          DeduplicationScope: 'messageGroup',
          FifoThroughputLimit: 'perMessageGroupId',
          ...attributes,
        },
      }),
    );
    url = created.QueueUrl;
  } else {
    await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  if (url === undefined)
    throw new LocalModeError(
      `CreateQueue ${name} returned no URL`,
      'restart the emulators: npm run infra:down && npm run infra:up',
    );
  const got = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = got.Attributes?.QueueArn;
  if (arn === undefined)
    throw new LocalModeError(
      `queue ${name} has no QueueArn`,
      'restart the emulators: npm run infra:down && npm run infra:up',
    );
  return { url, arn };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
