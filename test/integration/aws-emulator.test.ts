// Smoke tests of moto (scripts/aws-emulator.sh): each AWS feature the bridge uses outside SQS
// works there as the bridge needs it. SQS itself is covered by sqs-fifo-conformance.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandOutput,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import {
  assertReachable,
  awsEndpoint,
  cloudWatchClient,
  dynamoClient,
  emulatorClientConfig,
  s3Client,
  secretsClient,
  sqsClient,
  uniqueName,
} from '../support/aws.ts';

const cleanups: Array<() => Promise<unknown>> = [];

describe(`AWS emulator (moto) at ${awsEndpoint()}`, () => {
  before(async () => {
    await assertReachable(awsEndpoint(), 'moto');
  });

  after(async () => {
    // Reverse order: objects before buckets, subscriptions' queues after topics.
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('S3 stores and returns a binary object byte for byte', async () => {
    const s3 = s3Client();
    const bucket = uniqueName('smoke-bucket');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    cleanups.push(() => s3.send(new DeleteBucketCommand({ Bucket: bucket })));

    // Every byte value plus random data: a claim-check payload is arbitrary binary (Kafka
    // values), and any text decoding on the way would corrupt it.
    const payload = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(300_000),
    ]);
    const key = 'payloads/route/topic/0/42.bin';
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: payload,
        ContentType: 'application/octet-stream',
      }),
    );
    cleanups.push(() => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.ok(got.Body, 'GetObject returned no body');
    const bytes = Buffer.from(await got.Body.transformToByteArray());
    assert.equal(got.ContentLength, payload.length);
    assert.ok(bytes.equals(payload), 'the object read back differs from the one written');
  });

  test('DynamoDB conditional put: the second put of a key fails with ConditionalCheckFailed', async () => {
    const ddb = dynamoClient();
    const table = uniqueName('smoke-cond');
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    cleanups.push(() => ddb.send(new DeleteTableCommand({ TableName: table })));
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName: table });

    // The completion store writes "done" once per record; a second writer must lose.
    const put = (attempt: string) =>
      ddb.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 'route#topic#0#42' }, attempt: { S: attempt } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put('first');
    await assert.rejects(put('second'), (error: unknown) => {
      assert.ok(error instanceof ConditionalCheckFailedException, `unexpected error: ${String(error)}`);
      return true;
    });
  });

  test('a DynamoDB stream delivers the records written to its table', async () => {
    const ddb = dynamoClient();
    const streams = new DynamoDBStreamsClient(emulatorClientConfig());
    const table = uniqueName('smoke-stream');
    const created = await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    cleanups.push(() => ddb.send(new DeleteTableCommand({ TableName: table })));
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName: table });
    const streamArn = created.TableDescription?.LatestStreamArn;
    assert.ok(streamArn, 'CreateTable with a StreamSpecification returned no LatestStreamArn');

    const keys = ['route#t#0#1', 'route#t#0#2', 'route#t#0#3'];
    for (const pk of keys) {
      await ddb.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, status: { S: 'delivered' } } }),
      );
    }

    const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const shards = described.StreamDescription?.Shards ?? [];
    assert.ok(shards.length > 0, 'the stream has no shard');
    const inserted: string[] = [];
    for (const shard of shards) {
      const iterator: GetShardIteratorCommandOutput = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let next: string | undefined = iterator.ShardIterator;
      // Bounded: a shard with no more records returns an empty page.
      for (let page = 0; next !== undefined && page < 10; page += 1) {
        const records: GetRecordsCommandOutput = await streams.send(
          new GetRecordsCommand({ ShardIterator: next }),
        );
        for (const record of records.Records ?? []) {
          assert.equal(record.eventName, 'INSERT');
          assert.equal(record.dynamodb?.NewImage?.status?.S, 'delivered');
          const pk = record.dynamodb?.Keys?.pk?.S;
          if (pk !== undefined) inserted.push(pk);
        }
        if ((records.Records ?? []).length === 0) break;
        next = records.NextShardIterator;
      }
    }
    assert.deepEqual(inserted, keys, 'the stream delivers every insert, in write order');
    streams.destroy();
  });

  test('Secrets Manager returns the secret it stores', async () => {
    const secrets = secretsClient();
    const name = uniqueName('smoke-secret');
    // The shape the Notify function reads: the Discord webhook URL.
    const value = JSON.stringify({ webhookUrl: 'http://127.0.0.1:1/api/webhooks/1/token' });
    await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    cleanups.push(() =>
      secrets.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })),
    );
    const got = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
    assert.equal(got.SecretString, value);
  });

  test('SNS publish is accepted and delivered to a subscriber', async () => {
    const sns = new SNSClient(emulatorClientConfig());
    // moto's own SQS as the subscriber: it proves the publish went through, inside moto.
    const sqs = sqsClient(awsEndpoint());
    const topic = await sns.send(new CreateTopicCommand({ Name: uniqueName('smoke-topic') }));
    const topicArn = topic.TopicArn;
    assert.ok(topicArn);
    cleanups.push(() => sns.send(new DeleteTopicCommand({ TopicArn: topicArn })));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('smoke-sub') }));
    const queueUrl = queue.QueueUrl;
    assert.ok(queueUrl);
    cleanups.push(() => sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })));
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: attributes.Attributes?.QueueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );

    // What CloudWatch sends on an alarm change, in short.
    const alarm = JSON.stringify({ AlarmName: 'route-orders-dlq-not-empty', NewStateValue: 'ALARM' });
    const published = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: alarm }));
    assert.ok(published.MessageId, 'Publish returned no MessageId');

    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
    assert.deepEqual(
      (received.Messages ?? []).map((m) => m.Body),
      [alarm],
    );
    sns.destroy();
    sqs.destroy();
  });

  test('CloudWatch accepts PutMetricData and lists the metric with its dimensions', async () => {
    const cloudwatch = cloudWatchClient();
    const namespace = uniqueName('smoke-ns');
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [
          {
            MetricName: 'mps.writer.success.count',
            Dimensions: [{ Name: 'Route', Value: 'orders' }],
            Unit: 'Count',
            Value: 3,
          },
        ],
      }),
    );
    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: namespace }));
    assert.deepEqual(
      (listed.Metrics ?? []).map((m) => ({ name: m.MetricName, dimensions: m.Dimensions })),
      [{ name: 'mps.writer.success.count', dimensions: [{ Name: 'Route', Value: 'orders' }] }],
    );
  });
});
