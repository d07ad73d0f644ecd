// Notify function (Lambda): CloudWatch alarm state changes (SNS, the alarm topic) and
// dead-letter events (SQS, batched) -> Discord webhooks, per route. All logic is in
// lib/notify; this file only wires clients, logs and metrics. It never fails because of
// Discord: failures are logged and counted as notify.failure.count.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { recordCalls } from '../lib/aws/call-recorder.ts';
import { SecretReader } from '../lib/aws/secrets.ts';
import { DiscordClient } from '../lib/notify/discord-client.ts';
import { Notifier } from '../lib/notify/notifier.ts';
import type { NotifyMetrics } from '../lib/notify/observability.ts';
import { type NotifyEvent, type ProcessResult, processNotifyEvent } from '../lib/notify/process.ts';
import { eventSendersFromEnv } from '../lib/notify/senders.ts';
import { WebhookDirectory } from '../lib/notify/webhook-directory.ts';
import { bridgeConfigFromEnv } from '../lib/runtime/config.ts';
import { ENV, SERVICE } from '../lib/runtime/contract.ts';
import { bridgeMetrics } from '../lib/runtime/metrics.ts';

const logger = new Logger({ serviceName: SERVICE.notify });
const metrics = bridgeMetrics(SERVICE.notify);

/** Stop retrying Discord this long before the Lambda's timeout, so the function still returns. */
const SAFETY_MARGIN_MS = 3_000;

// Cold start: validated config and clients, reused by warm invocations.
const config = bridgeConfigFromEnv();
// The stack sets DISCORD_WEBHOOK_SECRET_ARN (cdk/lib/contract.ts); DISCORD_WEBHOOK_SECRET is
// accepted for local runs, where a secret name is easier to type than an ARN.
const defaultSecret =
  process.env.DISCORD_WEBHOOK_SECRET_ARN || process.env.DISCORD_WEBHOOK_SECRET || undefined;

// One series per route: a route-level failure count is what an alarm on the notifier reads.
const emf: NotifyMetrics = {
  count: (name, value, route) => {
    const metric = metrics.singleMetric();
    if (route !== undefined) metric.addDimension('route', route);
    metric.addMetric(name, MetricUnit.Count, value);
  },
};

// Who may announce each route's dead letters: SSM parameters per route, whose path the stack
// sets (absent in local mode: no check).
const senders = eventSendersFromEnv(() => recordCalls(new SSMClient({}), { component: 'notifier' }));
// Alarms only from the bridge's alarm topic (the stack sets it; any SNS topic in local mode).
const alarmTopicArn = process.env[ENV.alarmTopicArn] || undefined;

const notifier = new Notifier({
  routes: config.routes,
  webhooks: new WebhookDirectory(
    new SecretReader(recordCalls(new SecretsManagerClient({}), { component: 'notifier' })),
    config.routes,
    defaultSecret,
  ),
  client: new DiscordClient(),
  logger,
  metrics: emf,
  runbookBaseUrl: process.env.RUNBOOK_BASE_URL,
});

async function notify(event: NotifyEvent, context: Context): Promise<ProcessResult> {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  const result = await processNotifyEvent(
    event,
    {
      notifier,
      logger,
      metrics: emf,
      ...(senders === undefined ? {} : { senders }),
      ...(alarmTopicArn === undefined ? {} : { alarmTopicArn }),
    },
    deadline,
  );
  // Bridge-wide, so the invocation always has a metric of its own (Powertools warns on an empty flush).
  metrics.addMetric('notify.received.count', MetricUnit.Count, event.Records.length);
  logger.info('notify done', { ...result });
  return result;
}

export const handler = middy(notify).use(injectLambdaContext(logger)).use(logMetrics(metrics));
