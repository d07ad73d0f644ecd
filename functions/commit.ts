// Commit function (Lambda): moves each route's progress-group offsets along the completion
// records. Triggered by the completions table's stream (soon after records finish) and by a
// schedule (so a quiet route still gets its lag published). Ledger entries expire by TTL.
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import { recordCalls } from '../lib/aws/call-recorder.ts';
import { SecretReader } from '../lib/aws/secrets.ts';
import { COMMIT_FUNCTION_OPTIONS, Committer, routeLag } from '../lib/commit/committer.ts';
import { CommitLease } from '../lib/commit/lease.ts';
import { commitRoutes, largestRouteLag, routesTouched } from '../lib/commit/run.ts';
import { Ledger } from '../lib/completion/ledger.ts';
import { CompletionStore } from '../lib/completion/store.ts';
import { createKafkaClient } from '../lib/kafka/client.ts';
import { checkKafkaConnection, KafkaConnectionError } from '../lib/kafka/connection.ts';
import { KafkaOffsets } from '../lib/kafka/offsets.ts';
import { bridgeConfigFromEnv, requiredEnv } from '../lib/runtime/config.ts';
import { ENV, METRIC, SERVICE } from '../lib/runtime/contract.ts';
import { bridgeMetrics, dimensioned } from '../lib/runtime/metrics.ts';

const logger = new Logger({ serviceName: SERVICE.commit });
const metrics = bridgeMetrics(SERVICE.commit);

// Cold start: validated config and clients, reused by warm invocations.
const config = bridgeConfigFromEnv();
const tableName = requiredEnv(ENV.completionTable);
const caller = { component: 'commit' } as const;
const dynamo = recordCalls(new DynamoDBClient({}), caller);
const secrets = new SecretReader(recordCalls(new SecretsManagerClient({}), caller));
// Rejected credentials fail the cold start with one line (KafkaConnectionError), not with
// kafkajs's retry log lines; later connection failures are reported the same way below.
await checkKafkaConnection(config.kafka, { secrets, clientId: 'kafka-bridge-commit' });
const kafka = await createKafkaClient(config.kafka, { secrets, clientId: 'kafka-bridge-commit' });
const offsets = new KafkaOffsets(kafka);
const completions = new CompletionStore({ client: dynamo, tableName });
const ledger = new Ledger({ client: dynamo, tableName });
const lease = new CommitLease(dynamo, tableName);

function isStreamEvent(event: DynamoDBStreamEvent | ScheduledEvent): event is DynamoDBStreamEvent {
  return Array.isArray((event as DynamoDBStreamEvent).Records);
}

async function commit(event: DynamoDBStreamEvent | ScheduledEvent, context: Context): Promise<void> {
  const routes = isStreamEvent(event)
    ? routesTouched(
        config.routes,
        event.Records.flatMap((r) => (r.dynamodb?.Keys?.pk?.S === undefined ? [] : [r.dynamodb.Keys.pk.S])),
      )
    : config.routes;
  if (routes.length === 0) return;
  try {
    await offsets.connect();
  } catch (error) {
    // One line naming the brokers and the authentication, e.g. rejected SCRAM credentials.
    throw new KafkaConnectionError(config.kafka, error);
  }
  const committer = new Committer({
    ...COMMIT_FUNCTION_OPTIONS,
    offsets,
    ledger,
    completions,
    lease,
    owner: context.awsRequestId || randomUUID(),
  });
  const { results, failures } = await commitRoutes(committer, routes);
  for (const result of results) {
    if (result.status === 'busy') {
      logger.info('another commit run holds the route; it will commit', { route: result.route });
      continue;
    }
    // Alarms and autoscaling read the route-level series (CloudWatch cannot sum across dimensions).
    const routeMetric = dimensioned(metrics, { route: result.route });
    routeMetric.addMetric('mps.commit.lag', MetricUnit.Count, Number(routeLag(result.partitions)));
    routeMetric.addMetric(
      'mps.commit.waiting',
      MetricUnit.Count,
      result.partitions.reduce((sum, p) => sum + p.waitingBehindHole, 0),
    );
    for (const p of result.partitions) {
      const metric = dimensioned(metrics, {
        route: result.route,
        topic: p.topic,
        partition: String(p.partition),
      });
      metric.addMetric('mps.commit.lag', MetricUnit.Count, Number(p.lag));
      metric.addMetric('mps.commit.waiting', MetricUnit.Count, p.waitingBehindHole);
      if (p.before !== p.after) {
        logger.info('committed', {
          route: result.route,
          topic: p.topic,
          partition: p.partition,
          from: String(p.before),
          to: String(p.after),
        });
      }
    }
  }
  const largest = largestRouteLag(results);
  if (largest !== undefined)
    metrics.addMetric(METRIC.commitLargestRouteLag, MetricUnit.Count, Number(largest));
  if (failures.length > 0) {
    for (const { route, error } of failures) logger.error('commit failed', { route, error });
    // Failing the invocation makes the stream retry the batch; the next run starts from Kafka's offsets.
    throw new AggregateError(
      failures.map((f) => f.error),
      `commit failed for route(s) ${failures.map((f) => f.route).join(', ')}`,
    );
  }
}

export const handler = middy(commit).use(injectLambdaContext(logger)).use(logMetrics(metrics));
