// The DLQ consumer (lib/deliver/redrive.ts): records SQS redrove itself after the deliverer
// crashed on them get archived and completed, so the commit is never stuck behind them.
// ElasticMQ does the redrive (maxReceiveCount); moto holds S3 and DynamoDB.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import type { ArchiveRecord } from '../../lib/archive/archive.ts';
import { Archive } from '../../lib/archive/archive.ts';
import { Ledger } from '../../lib/completion/ledger.ts';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { parseBridgeConfig } from '../../lib/config/index.ts';
import { DeadLetterEvents } from '../../lib/deliver/dead-letter-events.ts';
import { DEAD_LETTER_MARKER, RedriveConsumer } from '../../lib/deliver/redrive.ts';
import { deduplicationId, type Envelope, encodeEnvelope } from '../../lib/envelope/index.ts';
import { LocalEventSource } from '../../lib/local/event-source.ts';
import { QuarantineStore } from '../../lib/quarantine/quarantine.ts';
import {
  assertReachable,
  awsEndpoint,
  createFifoQueue,
  dynamoClient,
  s3Client,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';
import { eventually } from '../support/wait.ts';

let sqs: SQSClient;
let s3: S3Client;
let dynamo: DynamoDBClient;
let bucket: string;
let table: string;

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  sqs = sqsClient();
  s3 = s3Client();
  dynamo = dynamoClient();
  bucket = uniqueName('redrive');
  table = uniqueName('completions');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await dynamo.send(new CreateTableCommand(completionTableDefinition(table)));
});

after(() => {
  sqs.destroy();
  s3.destroy();
  dynamo.destroy();
});

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000) =>
  eventually(what, probe, { timeoutMs, intervalMs: 100 });

describe('DLQ consumer', () => {
  test('a record SQS redrove after crashes is archived, its key quarantined, and completed', async () => {
    // Prepare: a queue redriving after 2 receives, and a "deliverer" that crashes every time.
    const name = uniqueName('r');
    const route = parseBridgeConfig({
      kafka: { brokers: ['127.0.0.1:9092'] },
      routes: [{ name, topics: ['orders'], endpoint: { type: 'http', url: 'http://127.0.0.1:1/x' } }],
    }).routes[0];
    assert.ok(route);
    const dlq = await createFifoQueue(sqs, `${name}-dlq`);
    const queue = await createFifoQueue(sqs, name, {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const envelope: Envelope = {
      route: name,
      topic: 'orders',
      partition: 0,
      offset: '41',
      from: '40',
      timestamp: '1763884800000',
      key: Buffer.from('k1'),
      headers: [],
      value: { inline: Buffer.from('v') },
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: encodeEnvelope(envelope),
        MessageGroupId: 'k1',
        MessageDeduplicationId: deduplicationId(envelope),
      }),
    );
    // A dead letter the deliverer sent itself: already archived and completed, nothing to do.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlq.url,
        MessageBody: encodeEnvelope({ ...envelope, offset: '50', from: '50' }),
        MessageGroupId: 'k2',
        MessageDeduplicationId: 'done',
        MessageAttributes: { [DEAD_LETTER_MARKER]: { DataType: 'String', StringValue: 's3://b/k' } },
      }),
    );
    let crashes = 0;
    const crashing = new LocalEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      waitTimeSeconds: 1,
      handler: async (): Promise<SQSBatchResponse> => {
        crashes++;
        throw new Error('deliverer crashed');
      },
    });
    const completions = new CompletionStore({ client: dynamo, tableName: table });
    const quarantine = new QuarantineStore(dynamo, table);
    const events = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dead-letter-events` }));
    const consumer = new RedriveConsumer({
      route,
      archive: new Archive(s3, bucket),
      completions,
      ledger: new Ledger({ client: dynamo, tableName: table }),
      quarantine,
      sqs,
      deadLetterEvents: new DeadLetterEvents(sqs, events.QueueUrl ?? ''),
    });
    const outcomes: string[] = [];
    const dlqRunner = new LocalEventSource({
      sqs,
      queueUrl: dlq.url,
      queueArn: dlq.arn,
      waitTimeSeconds: 1,
      handler: async (event) => {
        for (const record of event.Records) outcomes.push(await consumer.process(record));
        return { batchItemFailures: [] };
      },
    });
    // Act
    crashing.start();
    dlqRunner.start();
    const completion = await waitFor('the completion', () => completions.get(name, 'orders', 0, 40n));
    await waitFor('both dead letters', async () => (outcomes.length >= 2 ? true : undefined));
    await crashing.stop();
    await dlqRunner.stop();
    // Assess
    assert.ok(crashes >= 2, `crashes ${crashes}`);
    assert.equal(completion.status, 'dead-lettered');
    assert.equal(completion.offset, 41n);
    assert.deepEqual([...outcomes].sort(), ['already-done', 'dead-lettered']);
    const out = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: Archive.keyOf(name, 'orders', 0, '41') }),
    );
    const archive = JSON.parse((await out.Body?.transformToString()) ?? 'null') as ArchiveRecord;
    assert.equal(archive.recordId, `${name}/orders/0/41`);
    assert.match(archive.reason, /redriven by SQS/);
    assert.equal((await quarantine.load(name)).get('k1')?.behind, `${name}/orders/0/41`);
    assert.equal(await completions.get(name, 'orders', 0, 50n), undefined);
    // I7: the redriven dead letter is announced to the notifier once.
    const announced = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: events.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    assert.deepEqual(
      announced.Messages?.map((m) => (JSON.parse(m.Body ?? '{}') as { recordId?: string }).recordId),
      [`${name}/orders/0/41`],
    );
  });
});
