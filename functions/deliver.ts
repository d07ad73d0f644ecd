// Deliver function (Lambda, one per route): SQS FIFO batches of the route's queue -> the
// route's endpoint. All logic is in lib/deliver; this file only wires clients, logs and metrics.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { recordCalls } from '../lib/aws/call-recorder.ts';
import { deliverBatch } from '../lib/deliver/batch.ts';
import { createDeliverer } from '../lib/deliver/create.ts';
import type { DeliverMetrics } from '../lib/deliver/observability.ts';
import { bridgeConfigFromEnv, requiredEnv, routeFromEnv } from '../lib/runtime/config.ts';
import { ENV, SERVICE } from '../lib/runtime/contract.ts';
import { bridgeMetrics } from '../lib/runtime/metrics.ts';

const logger = new Logger({ serviceName: SERVICE.deliver });

// Cold start: the validated config and clients, reused by warm invocations.
const config = bridgeConfigFromEnv();
const route = routeFromEnv(config);
// `route` is a default dimension: an added one would be cleared by the first flush.
const metrics = bridgeMetrics(SERVICE.deliver, route.name);
const queueUrl = requiredEnv(ENV.queueUrl);
// Every AWS call is recorded as this route's deliverer's when BRIDGE_RECORD_CALLS is set.
const caller = { component: 'deliverer', route: route.name } as const;
const sqs = recordCalls(new SQSClient({}), caller);

const emf: DeliverMetrics = {
  count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
  duration: (name, ms) => metrics.addMetric(name, MetricUnit.Milliseconds, ms),
};

const deliverer = createDeliverer({
  route,
  queueUrl,
  deadLetterQueueUrl: requiredEnv(ENV.deadLetterQueueUrl),
  bucket: requiredEnv(ENV.bucket),
  completionTable: requiredEnv(ENV.completionTable),
  deadLetterEventsQueueUrl: requiredEnv(ENV.deadLetterEventsQueueUrl),
  clients: {
    sqs,
    s3: recordCalls(new S3Client({}), caller),
    dynamo: recordCalls(new DynamoDBClient({}), caller),
    secrets: recordCalls(new SecretsManagerClient({}), caller),
    lambda: recordCalls(new LambdaClient({}), caller),
  },
  metrics: emf,
  logger,
});

async function deliver(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return deliverBatch(event, context, deliverer, { sqs, queueUrl });
}

export const handler = middy(deliver)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
