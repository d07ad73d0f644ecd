// DLQ consumer (Lambda, one per route): archives and completes the records SQS redrove to the
// route's DLQ by itself (maxReceiveCount, after deliverer crashes or timeouts), so the commit
// is never stuck behind them; with deadLetter.kafkaTopic it writes every dead letter to that
// topic before the DLQ. Logic in lib/deliver/redrive.ts.

import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { Archive } from '../lib/archive/archive.ts';
import { recordCalls } from '../lib/aws/call-recorder.ts';
import { SecretReader } from '../lib/aws/secrets.ts';
import { Ledger } from '../lib/completion/ledger.ts';
import { CompletionStore } from '../lib/completion/store.ts';
import { DeadLetterEvents } from '../lib/deliver/dead-letter-events.ts';
import { DeadLetterTopic, deadLetterProducer } from '../lib/deliver/dead-letter-topic.ts';
import { RedriveConsumer } from '../lib/deliver/redrive.ts';
import { QuarantineStore } from '../lib/quarantine/quarantine.ts';
import { bridgeConfigFromEnv, requiredEnv, routeFromEnv } from '../lib/runtime/config.ts';
import { ENV, SERVICE } from '../lib/runtime/contract.ts';
import { bridgeMetrics } from '../lib/runtime/metrics.ts';

const logger = new Logger({ serviceName: SERVICE.dlq });

const config = bridgeConfigFromEnv();
const route = routeFromEnv(config);
// `route` is a default dimension: an added one would be cleared by the first flush.
const metrics = bridgeMetrics(SERVICE.dlq, route.name);
// Every AWS call is recorded as this route's DLQ consumer's when BRIDGE_RECORD_CALLS is set.
const caller = { component: 'dlq', route: route.name } as const;
const dynamo = recordCalls(new DynamoDBClient({}), caller);
const table = requiredEnv(ENV.completionTable);
// Set only when this function reads a separate redrive queue: the message then goes on to the DLQ.
const forwardQueueUrl = process.env[ENV.forwardQueueUrl];

const sqs = recordCalls(new SQSClient({}), caller);
const s3 = recordCalls(new S3Client({}), caller);
// deadLetter.kafkaTopic: every dead letter is written there (this function runs in the VPC then).
const topic = route.deadLetter?.kafkaTopic;
const deadLetterTopic =
  topic === undefined
    ? undefined
    : new DeadLetterTopic(
        topic,
        deadLetterProducer({
          kafka: config.kafka,
          secrets: new SecretReader(recordCalls(new SecretsManagerClient({}), caller)),
        }),
        s3,
      );
const consumer = new RedriveConsumer({
  route,
  deadLetterEvents: new DeadLetterEvents(sqs, requiredEnv(ENV.deadLetterEventsQueueUrl)),
  archive: new Archive(s3, requiredEnv(ENV.bucket)),
  ...(deadLetterTopic === undefined ? {} : { deadLetterTopic }),
  completions: new CompletionStore({ client: dynamo, tableName: table }),
  ledger: new Ledger({ client: dynamo, tableName: table }),
  quarantine: new QuarantineStore(dynamo, table),
  sqs,
  ...(forwardQueueUrl === undefined || forwardQueueUrl === '' ? {} : { forwardQueueUrl }),
  metrics: {
    count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
    duration: (name, ms) => metrics.addMetric(name, MetricUnit.Milliseconds, ms),
  },
  logger,
});

async function consume(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  // FIFO with skipGroupOnError: a key's dead letters are archived in order, other keys go on.
  return processPartialResponse(
    event,
    (record: SQSRecord) => consumer.process(record),
    new SqsFifoPartialProcessorAsync(),
    { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
  );
}

export const handler = middy(consume)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
