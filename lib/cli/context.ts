import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Kafka, logLevel } from 'kafkajs';
import { recordCalls, sinkFromEnv } from '../aws/call-recorder.ts';
import { SecretReader } from '../aws/secrets.ts';
import {
  type BridgeConfig,
  ConfigError,
  deadLetterQueueName,
  queueName,
  type Route,
} from '../config/index.ts';
import { createKafkaClient } from '../kafka/client.ts';
import { KafkaConnectionError } from '../kafka/connection.ts';
import { localEndpoints } from '../local/clients.ts';
import { DEFAULT_LOCAL_BUCKET, DEFAULT_LOCAL_TABLE } from '../local/provision.ts';
import { ConfigFileError, loadBridgeConfigFile } from '../runtime/config.ts';
import { callerAccount, EMULATOR_ACCOUNT, expectBucketOwner } from './bucket-owner.ts';
import { CliError } from './errors.ts';
import {
  isLocalConfig,
  isRegionMissing,
  noRegionError,
  placeholderBrokers,
  placeholderError,
} from './where.ts';

/** The completions table local mode creates when neither `--table` nor BRIDGE_COMPLETION_TABLE says otherwise. */
export const DEFAULT_COMPLETION_TABLE = DEFAULT_LOCAL_TABLE;
/** The archive (and claim-check) bucket local mode creates when neither `--bucket` nor BRIDGE_BUCKET says otherwise. */
export const DEFAULT_BUCKET = DEFAULT_LOCAL_BUCKET;

export interface ResourceOptions {
  /**
   * Every AWS service but SQS (S3, DynamoDB, Secrets Manager): `--endpoint`, else AWS_ENDPOINT_URL
   * (for DynamoDB, AWS_ENDPOINT_URL_DYNAMODB first, as local mode reads it).
   */
  readonly endpoint?: string;
  /** SQS: `--sqs-endpoint`, else AWS_ENDPOINT_URL_SQS, else `endpoint`. */
  readonly sqsEndpoint?: string;
  readonly table?: string;
  readonly bucket?: string;
  readonly region?: string;
  /** The account that must own the bucket: `--bucket-owner`, else BRIDGE_BUCKET_OWNER, else the caller's. */
  readonly bucketOwner?: string;
}

/**
 * What every command works with: the parsed config, the AWS clients (pointed at the emulators
 * or at AWS alike) and the names of the shared resources. Clients are made once per run.
 */
export class CliContext {
  readonly config: BridgeConfig;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  readonly secrets: SecretsManagerClient;
  /** The poller's metrics (lib/cli/filtered.ts); local mode puts them into the emulator's. */
  readonly cloudwatch: CloudWatchClient;
  readonly #table: string | undefined;
  readonly #bucket: string | undefined;
  readonly endpoints: { readonly aws: string; readonly sqs: string };
  readonly #queueUrls = new Map<string, string>();
  readonly #regionKnown: boolean;
  #kafka: Promise<Kafka> | undefined;

  constructor(config: BridgeConfig, options: ResourceOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.config = config;
    // A config whose brokers are all on this machine is local mode's: with no endpoint given,
    // the CLI reads local mode's emulators (the endpoints and defaults `npm start` uses).
    const given = nonEmpty(options.endpoint) ?? nonEmpty(env.AWS_ENDPOINT_URL);
    const emulators =
      given === undefined && nonEmpty(options.sqsEndpoint) === undefined && isLocalConfig(config)
        ? localEndpoints(env)
        : undefined;
    const aws = given ?? emulators?.aws;
    const sqs = nonEmpty(options.sqsEndpoint) ?? nonEmpty(env.AWS_ENDPOINT_URL_SQS) ?? emulators?.sqs ?? aws;
    const local = aws !== undefined || sqs !== undefined;
    this.#regionKnown =
      local || (options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)) !== undefined;
    // The deploy config's placeholder brokers and no AWS region: nothing this run could reach.
    const placeholders = placeholderBrokers(config);
    if (placeholders.length > 0 && !this.#regionKnown) throw placeholderError(placeholders);
    const region = options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
    // Against an emulator: a region and fake keys unless given, so the SDK never searches the
    // machine for real credentials. Against AWS: the SDK's own chain (profiles, SSO, roles).
    const base = {
      ...(region !== undefined ? { region } : local ? { region: 'us-east-1' } : {}),
      ...(local && nonEmpty(env.AWS_ACCESS_KEY_ID) === undefined
        ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
        : {}),
    };
    // Recorded as the operator's calls when BRIDGE_RECORD_CALLS is set (lib/aws/call-recorder.ts).
    const record = <C extends { middlewareStack: unknown }>(client: C): C =>
      recordCalls(client, { component: 'cli' }, sinkFromEnv(env));
    this.sqs = record(new SQSClient({ ...base, ...(sqs === undefined ? {} : { endpoint: sqs }) }));
    this.s3 = record(
      new S3Client({
        ...base,
        ...(aws === undefined ? {} : { endpoint: aws, forcePathStyle: true }),
      }),
    );
    // An explicit endpoint would override the SDK's own reading of AWS_ENDPOINT_URL_DYNAMODB.
    const dynamo =
      nonEmpty(options.endpoint) ?? nonEmpty(env.AWS_ENDPOINT_URL_DYNAMODB) ?? emulators?.dynamodb ?? aws;
    this.dynamo = record(
      new DynamoDBClient({ ...base, ...(dynamo === undefined ? {} : { endpoint: dynamo }) }),
    );
    this.secrets = record(
      new SecretsManagerClient({ ...base, ...(aws === undefined ? {} : { endpoint: aws }) }),
    );
    this.cloudwatch = record(
      new CloudWatchClient({ ...base, ...(aws === undefined ? {} : { endpoint: aws }) }),
    );
    this.endpoints = { aws: aws ?? 'AWS', sqs: sqs ?? 'AWS' };
    // The local names are defaults in emulator mode only: against AWS a global bucket name
    // such as kafka-bridge-local could be anyone's.
    this.#table =
      options.table ??
      nonEmpty(env.BRIDGE_COMPLETION_TABLE) ??
      (local ? DEFAULT_COMPLETION_TABLE : undefined);
    this.#bucket = options.bucket ?? nonEmpty(env.BRIDGE_BUCKET) ?? (local ? DEFAULT_BUCKET : undefined);
    const owner = options.bucketOwner ?? nonEmpty(env.BRIDGE_BUCKET_OWNER);
    if (owner !== undefined && !/^\d{12}$/.test(owner)) {
      throw new CliError(`bucket owner ${JSON.stringify(owner)} is not an AWS account id (12 digits)`);
    }
    expectBucketOwner(this.s3, async () => owner ?? (local ? EMULATOR_ACCOUNT : await callerAccount(base)));
  }

  /** The completions table; outside emulator mode it must be named. */
  get table(): string {
    if (this.#table !== undefined) return this.#table;
    throw new CliError(
      "no completions table: pass --table or set BRIDGE_COMPLETION_TABLE to the stack's output (the default is local mode's, used against an emulator only)",
    );
  }

  /** The archive bucket; outside emulator mode it must be named. */
  get bucket(): string {
    if (this.#bucket !== undefined) return this.#bucket;
    throw new CliError(
      "no archive bucket: pass --bucket or set BRIDGE_BUCKET to the stack's output (the default is local mode's, used against an emulator only)",
    );
  }

  /** The route of that name, or an error listing the known ones. */
  route(name: string): Route {
    const route = this.config.routes.find((candidate) => candidate.name === name);
    if (route === undefined) {
      throw new CliError(
        `unknown route ${JSON.stringify(name)}: the config has ${this.config.routes.map((r) => r.name).join(', ')}`,
      );
    }
    return route;
  }

  /** The routes a command covers: the one named, or all of them. */
  routes(name: string | undefined): readonly Route[] {
    return name === undefined ? this.config.routes : [this.route(name)];
  }

  queueUrl(route: Route): Promise<string> {
    return this.#queueUrl(queueName(route), route);
  }

  deadLetterQueueUrl(route: Route): Promise<string> {
    return this.#queueUrl(deadLetterQueueName(route), route);
  }

  async #queueUrl(name: string, route: Route): Promise<string> {
    const known = this.#queueUrls.get(name);
    if (known !== undefined) return known;
    try {
      const out = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      if (out.QueueUrl === undefined) throw new Error('GetQueueUrl returned no QueueUrl');
      this.#queueUrls.set(name, out.QueueUrl);
      return out.QueueUrl;
    } catch (error) {
      if (isUnreachable(error)) throw unreachable('SQS', this.endpoints.sqs, error);
      const code = (error as { name?: unknown }).name;
      if (code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue') {
        throw new CliError(
          `queue ${name} of route ${route.name} does not exist at ${this.endpoints.sqs}: deploy the stack or start local mode (npm start)`,
          { cause: error },
        );
      }
      if (isRegionMissing(error)) throw noRegionError(error);
      throw new CliError(`cannot find queue ${name}: ${messageOf(error)}`, { cause: error });
    }
  }

  /** One kafkajs client per run, made from the config like every other part of the bridge. */
  kafka(): Promise<Kafka> {
    const placeholders = placeholderBrokers(this.config);
    if (placeholders.length > 0) return Promise.reject(placeholderError(placeholders));
    this.#kafka ??= createKafkaClient(this.config.kafka, {
      clientId: 'kafka-bridge-cli',
      // The CLI reports Kafka failures itself, in one line; kafkajs's own logs would bury it.
      logLevel: logLevel.NOTHING,
      secrets: new SecretReader(this.secrets),
    });
    return this.#kafka;
  }

  /** Runs `fn` and turns a broker that does not answer into a one-line error with what to do. */
  async withKafka<T>(fn: (kafka: Kafka) => Promise<T>): Promise<T> {
    const kafka = await this.kafka();
    try {
      return await fn(kafka);
    } catch (error) {
      // Rejected credentials or certificates: one line naming the brokers and the authentication.
      const connection = new KafkaConnectionError(this.config.kafka, error);
      if (!connection.retryable) throw new CliError(connection.message, { cause: error });
      if (isKafkaUnreachable(error)) {
        throw new CliError(
          `cannot reach Kafka at ${this.config.kafka.brokers.join(',')}: start the local broker with \`bash scripts/infra.sh up\` (or check kafka.brokers in the config)`,
          { cause: error },
        );
      }
      if (messageOf(error).includes('does not host this topic-partition')) {
        throw new CliError(
          `${messageOf(error)}: the topic does not exist on Kafka at ${this.config.kafka.brokers.join(',')}; create it or check routes[].topics`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Wraps an AWS call of `service`, so an emulator that is down is one line with the fix. */
  async aws<T>(service: 'SQS' | 'S3' | 'DynamoDB' | 'CloudWatch', fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isUnreachable(error)) {
        throw unreachable(service, service === 'SQS' ? this.endpoints.sqs : this.endpoints.aws, error);
      }
      if (!this.#regionKnown && isRegionMissing(error)) throw noRegionError(error);
      throw error;
    }
  }

  destroy(): void {
    this.sqs.destroy();
    this.s3.destroy();
    this.dynamo.destroy();
    this.secrets.destroy();
    this.cloudwatch.destroy();
  }
}

/** Loads and validates the config file, as one line an operator can act on. */
export async function loadConfig(path: string): Promise<BridgeConfig> {
  try {
    return await loadBridgeConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigFileError) {
      throw new CliError(`${error.message}: ${error.hint} (--config <file>, default bridge.config.ts)`, {
        cause: error,
      });
    }
    if (error instanceof ConfigError) {
      throw new CliError(`config file ${path} is invalid: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function unreachable(service: string, endpoint: string, cause: unknown): CliError {
  return new CliError(
    `cannot reach ${service} at ${endpoint}: start the local emulators with \`bash scripts/infra.sh up\` (or set --endpoint / AWS_ENDPOINT_URL)`,
    { cause },
  );
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

function isUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    // Node's fetch and the SDK's AggregateError put the socket error in `errors` or `cause`.
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some(isUnreachable)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function isKafkaUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 6; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    const name = (current as { name?: unknown }).name;
    if (name === 'KafkaJSConnectionError' || name === 'KafkaJSNumberOfRetriesExceeded') return true;
    if (isUnreachable(current)) return true;
    current =
      (current as { cause?: unknown; originalError?: unknown }).cause ??
      (current as { originalError?: unknown }).originalError;
  }
  return false;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
