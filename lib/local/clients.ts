import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GlueClient } from '@aws-sdk/client-glue';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { recordCalls } from '../aws/call-recorder.ts';
import { createPollerSqsClient } from '../poller/sqs-client.ts';

/** The SDK clients local mode uses, all pointed at the local emulators. */
export interface LocalClients {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  /** The completions table's stream (the commit function's trigger), where DynamoDB answers. */
  readonly streams: DynamoDBStreamsClient;
  /**
   * Local mode's stand-in for CloudWatch Logs turning the poller's EMF lines into metrics
   * (lib/local/poller-metrics.ts): not a call the poller makes, so never recorded as one.
   */
  readonly cloudwatch: CloudWatchClient;
  readonly secrets: SecretsManagerClient;
  readonly lambda: LambdaClient;
  /** The Glue Schema Registry of decoding routes (route.decode), moto's. */
  readonly glue: GlueClient;
}

/** Where the emulators and the broker answer. */
export interface LocalEndpoints {
  /** moto: S3, DynamoDB (unless `dynamodb` says otherwise), Secrets Manager, Lambda. */
  readonly aws: string;
  /**
   * DynamoDB: AWS_ENDPOINT_URL_DYNAMODB when set (DynamoDB Local, which the benchmarks start
   * with `scripts/aws-emulator.sh start dynamodb`), else `aws` (moto).
   */
  readonly dynamodb: string;
  /** ElasticMQ: SQS FIFO. */
  readonly sqs: string;
  readonly kafkaBrokers: readonly string[];
}

export const LOCAL_REGION = 'us-east-1';

function envOr(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  return value !== undefined && value !== '' ? value : fallback;
}

/**
 * The endpoints from the environment, with the defaults of scripts/infra.sh: the same variables
 * the SDK itself honours (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_DYNAMODB)
 * and KAFKA_BROKERS.
 */
export function localEndpoints(env: NodeJS.ProcessEnv = process.env): LocalEndpoints {
  const aws = envOr(env, 'AWS_ENDPOINT_URL', `http://127.0.0.1:${envOr(env, 'MOTO_PORT', '4566')}`);
  const sqs = envOr(env, 'AWS_ENDPOINT_URL_SQS', `http://127.0.0.1:${envOr(env, 'ELASTICMQ_PORT', '9324')}`);
  const dynamodb = envOr(env, 'AWS_ENDPOINT_URL_DYNAMODB', aws);
  const kafkaBrokers = envOr(env, 'KAFKA_BROKERS', `127.0.0.1:${envOr(env, 'KAFKA_PORT', '9092')}`)
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  return { aws, sqs, dynamodb, kafkaBrokers };
}

/**
 * Clients for the emulators. Static fake credentials keep the SDK from looking for real ones
 * (profiles, SSO, instance metadata): local mode must never touch a real account by accident.
 * Path-style S3, because virtual-hosted buckets would need DNS names like bucket.127.0.0.1.
 */
export function localClients(endpoints: LocalEndpoints = localEndpoints()): LocalClients {
  const base = {
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  // Shared by every component: with BRIDGE_RECORD_CALLS set, each call is recorded as the
  // component whose work makes it (LocalBridge runs each under asComponent).
  const record = <C extends { middlewareStack: unknown }>(client: C): C => recordCalls(client, undefined);
  return {
    // The poller task's client (lib/poller/sqs-client.ts), so local runs and the benchmarks
    // forward the way the deployed poller does.
    sqs: record(createPollerSqsClient({ ...base, endpoint: endpoints.sqs })),
    s3: record(new S3Client({ ...base, endpoint: endpoints.aws, forcePathStyle: true })),
    dynamo: record(new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb })),
    streams: new DynamoDBStreamsClient({ ...base, endpoint: endpoints.dynamodb }),
    cloudwatch: new CloudWatchClient({ ...base, endpoint: endpoints.aws }),
    secrets: record(new SecretsManagerClient({ ...base, endpoint: endpoints.aws })),
    lambda: record(new LambdaClient({ ...base, endpoint: endpoints.aws })),
    glue: record(new GlueClient({ ...base, endpoint: endpoints.aws })),
  };
}

export function destroyClients(clients: LocalClients): void {
  clients.sqs.destroy();
  clients.s3.destroy();
  clients.dynamo.destroy();
  clients.streams.destroy();
  clients.cloudwatch.destroy();
  clients.secrets.destroy();
  clients.lambda.destroy();
  clients.glue.destroy();
}
