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
import type { BridgeConfig, Route } from '../config/index.ts';
import type { LocalClients } from './clients.ts';
import { LocalModeError } from './errors.ts';
import { deployedWiring } from './template.ts';
import { queueWiring, type Wiring, wiringKey } from './wiring.ts';

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
}

export interface Provisioned {
  readonly tableName: string;
  readonly bucket: string;
  readonly routes: ReadonlyMap<string, RouteResources>;
  /** What the stack the config deploys wires (lib/local/template.ts): the runners take it from here. */
  readonly wiring: Wiring;
}

/**
 * Queue attributes ElasticMQ accepts and neither keeps nor returns: retention (14 days; no
 * local run lasts that long), the maximum message size (the poller sizes its messages itself)
 * and high-throughput FIFO (docs/testing.md).
 */
export const NOT_EMULATED_QUEUE_ATTRIBUTES: readonly string[] = [
  'MessageRetentionPeriod',
  'MaximumMessageSize',
  'DeduplicationScope',
  'FifoThroughputLimit',
];

/** Attributes SQS sets only when it creates a queue. */
const CREATE_ONLY = new Set([
  'FifoQueue',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'ContentBasedDeduplication',
]);

/**
 * Creates in the emulators what every route of the config needs: the completions table (with
 * its stream), the bucket (archive and claim checks), and per route its FIFO queue, FIFO DLQ
 * and FIFO redrive queue, each with the attributes the synthesized template gives it
 * (visibility, retention, maximum size, the redrive policy to its local target).
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
  const wiring = await deployedWiring(config);
  await ensureTable(clients, tableName);
  await ensureBucket(clients, bucket);
  const routes = new Map<string, RouteResources>();
  const made = new Map<string, Queue>();
  // A queue's redrive target first: its ARN goes into the queue's redrive policy.
  const ensure = async (key: string): Promise<Queue> => {
    const known = made.get(key);
    if (known !== undefined) return known;
    const wired = queueWiring(wiring, key);
    const target = wired.redrive === undefined ? undefined : await ensure(wired.redrive.target);
    const attributes: Record<string, string> = { ...wired.attributes };
    if (wired.redrive !== undefined && target !== undefined)
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: target.arn,
        maxReceiveCount: wired.redrive.maxReceiveCount,
      });
    const queue = await ensureQueue(clients, wired.name ?? key, attributes);
    made.set(key, queue);
    return queue;
  };
  for (const route of config.routes) {
    routes.set(route.name, {
      route,
      queue: await ensure(wiringKey('queue', route.name)),
      deadLetterQueue: await ensure(wiringKey('dead-letter', route.name)),
      redriveQueue: await ensure(wiringKey('redrive', route.name)),
    });
  }
  return { tableName, bucket, routes, wiring };
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
    // High throughput mode as deployed is accepted and ignored by ElasticMQ (docs/testing.md).
    const created = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    url = created.QueueUrl;
  } else {
    const mutable = Object.fromEntries(Object.entries(attributes).filter(([n]) => !CREATE_ONLY.has(n)));
    await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: mutable }));
  }
  if (url === undefined)
    throw new LocalModeError(
      `CreateQueue ${name} returned no URL`,
      'restart the emulators: npm run infra:down && npm run infra:up',
    );
  const got = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
  );
  // What the emulator did not take as the template gives it stops the run, naming it, unless
  // it is one it is known to ignore (listed in docs/deploy.md, "only an account can verify").
  for (const [attribute, value] of Object.entries(attributes)) {
    const held = got.Attributes?.[attribute as QueueAttributeName];
    if (attribute === 'RedrivePolicy' || held === value || NOT_EMULATED_QUEUE_ATTRIBUTES.includes(attribute))
      continue;
    throw new LocalModeError(
      `queue ${name}: the emulator holds ${attribute}=${held ?? '(nothing)'}, the template sets ${value}`,
      'the local run cannot reproduce this setting; see docs/deploy.md, "only an account can verify"',
    );
  }
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
