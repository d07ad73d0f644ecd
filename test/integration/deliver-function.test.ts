// The deployed handler itself (functions/deliver.ts: middy, Powertools batch, logger and EMF
// metrics), configured through its environment as the CDK stack does, run by the local event
// source runner against ElasticMQ, moto and a real local HTTP endpoint.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { CompletionStore } from '../../lib/completion/store.ts';
import { completionTableDefinition } from '../../lib/completion/table.ts';
import { deduplicationId, type Envelope, encodeEnvelope } from '../../lib/envelope/index.ts';
import { LocalEventSource } from '../../lib/local/event-source.ts';
import { DeadLetterEventSchema } from '../../lib/notify/dead-letter.ts';
import {
  assertReachable,
  awsEndpoint,
  createFifoQueue,
  dynamoClient,
  REGION,
  s3Client,
  sqsClient,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';
import { ledgerCompletion } from '../support/completions.ts';
import { TestEndpoint } from '../support/endpoint.ts';

const sqs = sqsClient();
const s3 = s3Client();
const dynamo = dynamoClient();
let endpoint: TestEndpoint;

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  endpoint = await TestEndpoint.start((request) =>
    request.offset === '1' ? { status: 422 } : { status: 200 },
  );
});

after(async () => {
  await endpoint.stop();
  sqs.destroy();
  s3.destroy();
  dynamo.destroy();
});

/** Runs `fn` with everything written to stdout collected (the EMF metrics go there). */
async function capturingStdout<T>(lines: string[], fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line !== ''),
    );
    return true;
  }) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

describe('functions/deliver.ts', () => {
  test('delivers and dead-letters through the middy handler, publishing EMF metrics per route', async () => {
    // Prepare: the resources and the environment the stack gives the function.
    const route = uniqueName('fn');
    const bucket = uniqueName('fn-bucket');
    const table = uniqueName('fn-completions');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await dynamo.send(new CreateTableCommand(completionTableDefinition(table)));
    const queue = await createFifoQueue(sqs, route);
    const dlq = await createFifoQueue(sqs, `${route}-dlq`);
    const events = await sqs.send(new CreateQueueCommand({ QueueName: `${route}-dead-letter-events` }));
    Object.assign(process.env, {
      BRIDGE_CONFIG_JSON: JSON.stringify({
        kafka: { brokers: ['127.0.0.1:9092'] },
        routes: [{ name: route, topics: ['orders'], endpoint: { type: 'http', url: endpoint.url } }],
      }),
      ROUTE_NAME: route,
      QUEUE_URL: queue.url,
      DEAD_LETTER_QUEUE_URL: dlq.url,
      DEAD_LETTER_EVENTS_QUEUE_URL: events.QueueUrl,
      BUCKET_NAME: bucket,
      COMPLETION_TABLE: table,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: awsEndpoint(),
      AWS_ENDPOINT_URL_SQS: sqsEndpoint(),
      AWS_ENDPOINT_URL_S3: awsEndpoint(),
      AWS_S3_FORCE_PATH_STYLE: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    const { handler } = (await import('../../functions/deliver.ts')) as {
      handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
    };
    for (const offset of [0, 1, 2]) {
      const envelope: Envelope = {
        route,
        topic: 'orders',
        partition: 0,
        offset: String(offset),
        from: String(offset),
        timestamp: '1763884800000',
        key: Buffer.from(`k${offset}`),
        headers: [],
        value: { inline: Buffer.from('v') },
      };
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: encodeEnvelope(envelope),
          MessageGroupId: `k${offset}`,
          MessageDeduplicationId: deduplicationId(envelope),
        }),
      );
    }
    const runner = new LocalEventSource({ sqs, queueUrl: queue.url, queueArn: queue.arn, handler });
    const completions = new CompletionStore({ client: dynamo, tableName: table });
    const lines: string[] = [];
    // Act
    const statuses = await capturingStdout(lines, async () => {
      runner.start();
      const found: string[] = [];
      const end = Date.now() + 20_000;
      for (const offset of [0n, 1n, 2n]) {
        for (;;) {
          const completion = await ledgerCompletion(completions, route, 'orders', 0, offset);
          if (completion !== undefined) {
            found.push(completion.status);
            break;
          }
          if (Date.now() > end) throw new Error(`no completion for offset ${offset}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      await runner.stop();
      return found;
    });
    // Assess
    assert.deepEqual(statuses, ['delivered', 'dead-lettered', 'delivered']);
    const emf = lines
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // A metric added several times in one invocation is one EMF document with an array of values.
    const total = (name: string) =>
      emf
        .filter((doc) => doc.route === route)
        .flatMap((doc) => [doc[name] ?? []].flat())
        .reduce((sum: number, value) => sum + Number(value), 0);
    assert.equal(total('mps.writer.success.count'), 2);
    assert.equal(total('mps.writer.dlq.count'), 1);
    assert.equal(total('mps.writer.failure.count'), 1);
    // I7: the dead letter is announced to the notifier, with its id and reason, never its payload.
    const announced = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: events.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    assert.equal(announced.Messages?.length, 1);
    const event = JSON.parse(announced.Messages?.[0]?.Body ?? '{}') as Record<string, unknown>;
    assert.equal(event.kind, 'dead-letter');
    assert.equal(event.route, route);
    assert.equal(event.recordId, `${route}/orders/0/1`);
    assert.match(String(event.reason), /422/);
    assert.ok(DeadLetterEventSchema.safeParse(event).success, 'the notifier accepts the event');
  });
});
