import { COMPLETION_TABLE_KEYS } from '../completion/table.ts';

/**
 * What one AWS call touches, in IAM's terms: the action IAM authorizes (a batch operation is
 * authorized as its single action: SendMessageBatch as sqs:SendMessage) and the resource as names
 * (queue, table, bucket/key, secret id), not ARNs: the account and region are the evaluator's to
 * choose, so a recording made against the emulators can be checked against a template's ARNs.
 */
export interface CallTarget {
  /** IAM service prefix: `sqs`, `dynamodb`, `s3`, `secretsmanager`, `lambda`, ... */
  readonly service: string;
  /** IAM action without the prefix (`SendMessage`, `BatchGetItem`, `ListBucket`). */
  readonly action: string;
  readonly queue?: string;
  readonly table?: string;
  /** DynamoDB partition key values the call reads or writes (IAM's `dynamodb:LeadingKeys`). */
  readonly leadingKeys?: readonly string[];
  readonly bucket?: string;
  readonly key?: string;
  /** ListBucket's `s3:prefix`. */
  readonly prefix?: string;
  /** A Secrets Manager secret id: its name or ARN as the caller wrote it. */
  readonly secret?: string;
  /** A Lambda function name or ARN. */
  readonly function?: string;
  /** An SSM parameter name (`/path/name`). */
  readonly parameter?: string;
  /** A Glue schema version id (GetSchemaVersion names its schema by nothing else). */
  readonly schemaVersionId?: string;
}

/** The SDK client's name -> the IAM service prefix. */
const SERVICE_OF_CLIENT: Readonly<Record<string, string>> = {
  SQSClient: 'sqs',
  DynamoDBClient: 'dynamodb',
  DynamoDBStreamsClient: 'dynamodb',
  S3Client: 's3',
  SecretsManagerClient: 'secretsmanager',
  LambdaClient: 'lambda',
  CloudWatchClient: 'cloudwatch',
  SNSClient: 'sns',
  SSMClient: 'ssm',
};

/** Operations IAM authorizes under another action's name (AWS's service authorization reference). */
const IAM_ACTION: Readonly<Record<string, string>> = {
  'sqs:SendMessageBatch': 'SendMessage',
  'sqs:DeleteMessageBatch': 'DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'ChangeMessageVisibility',
  's3:ListObjectsV2': 'ListBucket',
  's3:ListObjects': 'ListBucket',
  's3:HeadObject': 'GetObject',
  's3:HeadBucket': 'ListBucket',
  'lambda:Invoke': 'InvokeFunction',
};

type Input = Record<string, unknown>;

/** The call's target, from the client's name, the operation and the command's input. */
export function callTarget(clientName: string, operation: string, input: Input): CallTarget {
  const service = SERVICE_OF_CLIENT[clientName] ?? clientName.replace(/Client$/, '').toLowerCase();
  const action = IAM_ACTION[`${service}:${operation}`] ?? operation;
  const base = { service, action };
  switch (service) {
    case 'sqs':
      return { ...base, ...queueOf(input) };
    case 'dynamodb':
      return { ...base, ...tableOf(input) };
    case 's3':
      return { ...base, ...bucketOf(input) };
    case 'secretsmanager':
      return typeof input.SecretId === 'string' ? { ...base, secret: input.SecretId } : base;
    case 'lambda':
      return typeof input.FunctionName === 'string' ? { ...base, function: input.FunctionName } : base;
    case 'ssm':
      return typeof input.Name === 'string' ? { ...base, parameter: input.Name } : base;
    case 'glue':
      return typeof input.SchemaVersionId === 'string'
        ? { ...base, schemaVersionId: input.SchemaVersionId }
        : base;
    default:
      return base;
  }
}

function queueOf(input: Input): { queue?: string } {
  if (typeof input.QueueName === 'string') return { queue: input.QueueName };
  if (typeof input.QueueUrl !== 'string') return {};
  const name = new URL(input.QueueUrl).pathname
    .split('/')
    .filter((part) => part !== '')
    .at(-1);
  return name === undefined ? {} : { queue: name };
}

function bucketOf(input: Input): { bucket?: string; key?: string; prefix?: string } {
  if (typeof input.Bucket !== 'string') return {};
  return {
    bucket: input.Bucket,
    ...(typeof input.Key === 'string' ? { key: input.Key } : {}),
    ...(typeof input.Prefix === 'string' ? { prefix: input.Prefix } : {}),
  };
}

/** A string attribute as the document client or the plain client writes it (`x` or `{ S: x }`). */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { S?: unknown }).S === 'string')
    return (value as { S: string }).S;
  return undefined;
}

const PK = COMPLETION_TABLE_KEYS.partitionKey;

function keyOf(item: unknown): string[] {
  const value = typeof item === 'object' && item !== null ? text((item as Input)[PK]) : undefined;
  return value === undefined ? [] : [value];
}

/** The partition key value a Query's key condition names (`pk = :v`, or through `#name`). */
function queryKey(input: Input): string[] {
  const condition = typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Input;
  for (const match of condition.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const [, name = '', placeholder = ''] = match;
    if ((names[name] ?? name) !== PK) continue;
    const value = text(values[placeholder]);
    if (value !== undefined) return [value];
  }
  return [];
}

function tableOf(input: Input): { table?: string; leadingKeys?: string[] } {
  const requests = input.RequestItems as Record<string, unknown> | undefined;
  if (requests !== undefined) {
    // Batch calls: every table of the request, and every key of each.
    const keys: string[] = [];
    for (const request of Object.values(requests)) {
      if (Array.isArray(request)) {
        for (const write of request as {
          PutRequest?: { Item?: unknown };
          DeleteRequest?: { Key?: unknown };
        }[])
          keys.push(...keyOf(write.PutRequest?.Item), ...keyOf(write.DeleteRequest?.Key));
      } else {
        for (const key of ((request as { Keys?: unknown[] }).Keys ?? []) as unknown[])
          keys.push(...keyOf(key));
      }
    }
    return { table: Object.keys(requests).join(','), leadingKeys: [...new Set(keys)] };
  }
  if (typeof input.TableName !== 'string') return {};
  const leadingKeys = [...keyOf(input.Key), ...keyOf(input.Item), ...queryKey(input)];
  return { table: input.TableName, leadingKeys };
}
