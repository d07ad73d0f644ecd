// One route's deliverer against the emulators and a real local endpoint, for the delivery
// feature tests (endpoint auth, batched calls): a world of clients, bucket and table, and per
// test a route with its own queues, endpoint and runner. Records are sent as the poller does.
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Completion } from '../../lib/completion/completion.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { parseBridgeConfig, type Route, type RouteInput } from '../../lib/config/index.ts';
import { deduplicationId, type Envelope, encodeEnvelope, messageGroupId } from '../../lib/envelope/index.ts';
import {
  assertReachable,
  awsEndpoint,
  dynamoClient,
  lambdaClient,
  s3Client,
  secretsClient,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from './aws.ts';
import { ledgerCompletion } from './completions.ts';
import { type DeliveredRoute, deliverRoute } from './deliver.ts';
import { type EndpointTls, type Script, TestEndpoint } from './endpoint.ts';
import { queuedEnvelope } from './redriven.ts';
import { eventually } from './wait.ts';

export const TOPIC = 'orders';

export interface DeliverWorld {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  readonly secrets: SecretsManagerClient;
  readonly bucket: string;
  readonly table: string;
  /** Creates a secret with a unique name; returns the name. */
  secret(prefix: string, value: string): Promise<string>;
  close(): void;
}

export async function deliverWorld(): Promise<DeliverWorld> {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, Secrets Manager)');
  const world = {
    sqs: sqsClient(),
    s3: s3Client(),
    dynamo: dynamoClient(),
    secrets: secretsClient(),
    bucket: uniqueName('deliver'),
    table: uniqueName('completions'),
    async secret(prefix: string, value: string) {
      const name = uniqueName(prefix);
      await world.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      return name;
    },
    close() {
      for (const client of [world.sqs, world.s3, world.dynamo, world.secrets]) client.destroy();
    },
  };
  await world.s3.send(new CreateBucketCommand({ Bucket: world.bucket }));
  await world.dynamo.send(new CreateTableCommand(completionTableDefinition(world.table)));
  return world;
}

export interface RouteUnderTest extends DeliveredRoute {
  readonly route: Route;
  readonly endpoint: TestEndpoint;
  /** Sends record `offset` of `key` (partition 0 unless said) to the route's queue. */
  send(
    key: string | null,
    offset: number,
    options?: { partition?: number; value?: string },
  ): Promise<Envelope>;
  /** The record's completion once it is finished. */
  finished(offset: number, options?: { partition?: number; timeoutMs?: number }): Promise<Completion>;
  stop(): Promise<void>;
}

/**
 * A route on `world` whose endpoint plays `script` (over HTTPS with a required client
 * certificate when `tls` is given). `endpoint` holds endpoint settings besides the URL; retries
 * are short unless `overrides.retry` says otherwise.
 */
export async function routeUnderTest(
  world: DeliverWorld,
  script: Script,
  options: {
    readonly endpoint?: Record<string, unknown>;
    readonly overrides?: Partial<RouteInput>;
    readonly tls?: EndpointTls;
  } = {},
): Promise<RouteUnderTest> {
  const endpoint = await TestEndpoint.start(script, 0, options.tls);
  const name = uniqueName('r');
  const config = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      {
        name,
        topics: [TOPIC],
        endpoint: { type: 'http', url: endpoint.url, timeoutMs: 2_000, ...options.endpoint },
        retry: { attempts: 3, inProcessAttempts: 1, baseMs: 50, maxMs: 500, jitter: 'none' },
        ...options.overrides,
      } as RouteInput,
    ],
  });
  const [route] = config.routes;
  if (route === undefined) throw new Error('no route parsed');
  const { sqs, s3, dynamo, secrets } = world;
  const delivered = await deliverRoute(name, {
    route,
    bucket: world.bucket,
    completionTable: world.table,
    clients: { sqs, s3, dynamo, secrets, lambda: lambdaClient() },
  });
  const completions = new CompletionStore({ client: dynamo, tableName: world.table });
  return {
    ...delivered,
    route,
    endpoint,
    async send(key, offset, sendOptions = {}) {
      const envelope = queuedEnvelope({
        route: name,
        topic: TOPIC,
        offset: String(offset),
        key,
        value: sendOptions.value ?? `value ${key}/${offset}`,
        ...(sendOptions.partition === undefined ? {} : { partition: sendOptions.partition }),
      });
      const group = messageGroupId({ ...envelope, ordering: route.ordering });
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: delivered.queue.url,
          MessageBody: encodeEnvelope(envelope),
          MessageGroupId: group,
          MessageDeduplicationId: deduplicationId(envelope),
        }),
      );
      return envelope;
    },
    finished(offset, finishOptions = {}) {
      const partition = finishOptions.partition ?? 0;
      return eventually(
        `completion of offset ${offset}`,
        () => ledgerCompletion(completions, name, TOPIC, partition, BigInt(offset)),
        { timeoutMs: finishOptions.timeoutMs ?? 20_000, intervalMs: 100 },
      );
    },
    async stop() {
      await delivered.runner.stop();
      await endpoint.stop().catch(() => undefined);
    },
  };
}
