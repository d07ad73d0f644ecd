// Endpoints and SDK clients for tests that run against the local AWS emulators
// (scripts/aws-emulator.sh): moto serves S3, DynamoDB (+ streams), SNS, CloudWatch and Secrets
// Manager; ElasticMQ serves SQS, because it implements the FIFO semantics the bridge relies on
// (see docs/testing.md for the evidence).
import { randomBytes } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type QueueAttributeName,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localEndpoints } from '../../lib/local/clients.ts';
import { httpAnswers } from '../../lib/local/preflight.ts';

export const REGION = 'us-east-1';

// The emulators accept any credentials; static ones keep the SDK from searching the machine's
// profiles, SSO caches or instance metadata (slow, and it could pick up real credentials).
const FAKE_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** moto: every service except SQS. `AWS_ENDPOINT_URL` is also what the SDK itself honours. */
export function awsEndpoint(): string {
  return localEndpoints().aws;
}

/**
 * DynamoDB: moto, unless AWS_ENDPOINT_URL_DYNAMODB points elsewhere (DynamoDB Local, which the
 * benchmarks use); the same choice local mode makes, so a test and the code under test agree.
 */
export function dynamoEndpoint(): string {
  return localEndpoints().dynamodb;
}

/**
 * The SQS endpoint: ElasticMQ by default, as local mode uses it. `BRIDGE_SQS_ENDPOINT` wins, so
 * the conformance test can be pointed at another emulator (moto) for comparison.
 */
export function sqsEndpoint(): string {
  const override = process.env.BRIDGE_SQS_ENDPOINT;
  return override !== undefined && override !== '' ? override : localEndpoints().sqs;
}

/**
 * The environment a child process (poller, shipped bundle) needs to reach the local emulators
 * the way it reaches AWS: endpoint overrides, the region and dummy credentials.
 */
export function emulatorEnv(): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: awsEndpoint(),
    AWS_ENDPOINT_URL_SQS: sqsEndpoint(),
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint(),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

/** The operator CLI's environment: the emulators' endpoints, the given completions table and bucket. */
export function cliEnv(names: { readonly table: string; readonly bucket: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BRIDGE_COMPLETION_TABLE: names.table,
    BRIDGE_BUCKET: names.bucket,
    AWS_ENDPOINT_URL: awsEndpoint(),
    AWS_ENDPOINT_URL_SQS: sqsEndpoint(),
  };
}

export interface EmulatorClientConfig {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts: number;
}

/** The configuration of every client below; pass it to any other SDK v3 client. */
export function emulatorClientConfig(endpoint: string = awsEndpoint()): EmulatorClientConfig {
  // maxAttempts 1: a test must see the emulator's answer, not a retried one.
  return { region: REGION, endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 };
}

const base = emulatorClientConfig;

export function sqsClient(endpoint: string = sqsEndpoint()): SQSClient {
  return new SQSClient(base(endpoint));
}

export function s3Client(endpoint: string = awsEndpoint()): S3Client {
  // Path-style: virtual-hosted buckets would need DNS names like bucket.127.0.0.1.
  return new S3Client({ ...base(endpoint), forcePathStyle: true });
}

export function dynamoClient(endpoint: string = dynamoEndpoint()): DynamoDBClient {
  return new DynamoDBClient(base(endpoint));
}

export function dynamoDocClient(endpoint: string = dynamoEndpoint()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoClient(endpoint));
}

export function secretsClient(endpoint: string = awsEndpoint()): SecretsManagerClient {
  return new SecretsManagerClient(base(endpoint));
}

export function cloudWatchClient(endpoint: string = awsEndpoint()): CloudWatchClient {
  return new CloudWatchClient(base(endpoint));
}

export function lambdaClient(endpoint: string = awsEndpoint()): LambdaClient {
  return new LambdaClient(base(endpoint));
}

/**
 * A name no other test (or earlier run against a long-lived emulator) uses: lowercase letters,
 * digits and hyphens, so it is valid for S3 buckets, SQS queues (append `.fifo` yourself),
 * DynamoDB tables, SNS topics and secrets alike.
 */
export function uniqueName(prefix: string): string {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(prefix)) {
    throw new Error(
      `uniqueName: prefix ${JSON.stringify(prefix)} must be 1-40 lowercase letters, digits or hyphens, starting with a letter`,
    );
  }
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Fails fast, with the command to run, when an emulator is not answering: otherwise every
 * test of a file would fail on its own with a bare ECONNREFUSED.
 */
export async function assertReachable(endpoint: string, what: string): Promise<void> {
  try {
    await httpAnswers(endpoint, 5_000);
  } catch (error) {
    throw new Error(
      `${what} is not answering at ${endpoint}: start the emulators with \`bash scripts/aws-emulator.sh start\``,
      { cause: error },
    );
  }
}

export interface FifoQueue {
  readonly url: string;
  readonly arn: string;
}

/** Creates a FIFO queue (`.fifo` is appended to `name`) and returns its URL and ARN. */
export async function createFifoQueue(
  sqs: SQSClient,
  name: string,
  attributes: Partial<Record<QueueAttributeName, string>> = {},
): Promise<FifoQueue> {
  const created = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}.fifo`,
      Attributes: { FifoQueue: 'true', ...attributes },
    }),
  );
  const url = created.QueueUrl;
  if (url === undefined) throw new Error(`CreateQueue ${name}.fifo returned no QueueUrl`);
  const got = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = got.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`GetQueueAttributes of ${url} returned no QueueArn`);
  return { url, arn };
}
