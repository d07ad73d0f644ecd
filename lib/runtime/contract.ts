/*
 * What the stack (cdk/) and the runtime code (functions/, lib/) must agree on beyond
 * lib/config/names.ts: environment variable names, the metrics namespace and the metric
 * dimensions the alarms read. Both sides import these constants; neither spells the names.
 */

/** Environment variables set on the functions and the poller container. */
export const ENV = {
  /** The validated bridge config as JSON (lib/runtime/config.ts parses it again at cold start). */
  bridgeConfig: 'BRIDGE_CONFIG_JSON',
  /**
   * A JSON file holding the config's `routes` and `defaults`, a path relative to
   * LAMBDA_TASK_ROOT or absolute (the stack ships it in a layer: /opt/bridge-config.json): Lambda allows 4 KB of environment, which the commit
   * function's routes or one route's JSON schema can exceed. BRIDGE_CONFIG_JSON then holds the
   * rest (the Kafka section).
   */
  bridgeConfigFile: 'BRIDGE_CONFIG_FILE',
  /** The route a per-route function serves. */
  routeName: 'ROUTE_NAME',
  /** The route's queue and dead-letter queue URLs (per-route functions). */
  queueUrl: 'QUEUE_URL',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  /** The DLQ consumer forwards each message it archived to this queue (the route's DLQ). */
  forwardQueueUrl: 'FORWARD_QUEUE_URL',
  /** The payloads (claim check) and archive bucket, for the functions. */
  bucket: 'BUCKET_NAME',
  /** The same bucket, for the poller (functions/poller.ts); the poller finds queues by name. */
  payloadBucket: 'BRIDGE_PAYLOAD_BUCKET',
  completionTable: 'COMPLETION_TABLE',
  /** Port of the poller's HTTP health endpoint (GET /health). */
  healthPort: 'HEALTH_PORT',
  /**
   * Standard queue for dead-letter events (lib/notify/dead-letter.ts DeadLetterEvent JSON), one
   * message per dead-lettered record, set on the deliverer and the DLQ consumer.
   */
  deadLetterEventsQueueUrl: 'DEAD_LETTER_EVENTS_QUEUE_URL',
  /**
   * SSM path under which each route's stack writes the role ids its dead-letter events must come
   * from, one parameter `<path>/<route>` each (lib/notify/senders.ts).
   */
  eventSendersPath: 'BRIDGE_EVENT_SENDERS_PATH',
  /** The alarm topic's ARN: the notifier takes alarms from its SNS messages only (lib/notify/process.ts). */
  alarmTopicArn: 'BRIDGE_ALARM_TOPIC_ARN',
  /** Secret holding the bridge's own Discord webhook URL (notifier). */
  discordWebhookSecret: 'DISCORD_WEBHOOK_SECRET_ARN',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const;

/** Every part publishes its metrics (EMF) under this namespace. */
export const METRICS_NAMESPACE = 'KafkaBridge';

/**
 * The alarms and the poller's scaling read route-level series. Powertools puts a `service`
 * dimension (the publishing part's service name) on every EMF record, so a route-level series
 * is `{service, route}`: alarms name both (see METRIC_PUBLISHER). Parts that publish finer
 * dimensions (topic, partition) publish the route-level set too; CloudWatch alarms cannot
 * aggregate across dimensions.
 */
export const ROUTE_DIMENSION = 'route';
export const SERVICE_DIMENSION = 'service';

/** The service name of each part: the `service` dimension of its metrics and the name in its logs. */
export const SERVICE = {
  poller: 'kafka-bridge-poller',
  deliver: 'kafka-bridge-deliver',
  dlq: 'kafka-bridge-dlq',
  commit: 'kafka-bridge-commit',
  notify: 'kafka-bridge-notify',
} as const;

/** Metric names, as docs/architecture.md lists them. */
export const METRIC = {
  /** Records between the progress group's committed offset and the log end (commit function). */
  commitLag: 'mps.commit.lag',
  /** Finished records that wait behind an unfinished one (commit function). */
  commitWaiting: 'mps.commit.waiting',
  /**
   * The largest route commit lag a commit run saw, under the `service` dimension only: the
   * poller scales on it. An alarm may combine at most 10 metrics, so a MAX over every route's
   * series stops working past 10 routes. The scheduled run covers every route each minute.
   */
  commitLargestRouteLag: 'mps.commit.lag.largest',
  /** 1 while the route's poller runs, 0 when it stopped; published every interval (functions/poller.ts). */
  pollerHeartbeat: 'mps.poller.heartbeat',
  /** Records the poller forwarded since its last emission. */
  pollCount: 'mps.reader.poll.count',
  /** Records the route's filter (route.filter) kept from SQS since the last emission: finished, never sent. */
  pollerFiltered: 'mps.poller.filtered.count',
  /** Partitions the route's decode stage holds because its schema registry does not answer (route.decode). */
  pollerRegistryHeld: 'mps.poller.registry.held',
  writerSuccess: 'mps.writer.success.count',
  writerFailure: 'mps.writer.failure.count',
  bufferSize: 'mps.buffer.size',
  /** Dead letters the DLQ consumer could not write to the route's failure topic (deadLetter.kafkaTopic). */
  deadLetterTopicFailed: 'mps.dlq.topic.failure.count',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Which part publishes each metric, i.e. the `service` dimension an alarm must name. */
export const METRIC_PUBLISHER: Readonly<Record<MetricName, (typeof SERVICE)[keyof typeof SERVICE]>> = {
  [METRIC.commitLag]: SERVICE.commit,
  [METRIC.commitWaiting]: SERVICE.commit,
  [METRIC.commitLargestRouteLag]: SERVICE.commit,
  [METRIC.pollerHeartbeat]: SERVICE.poller,
  [METRIC.pollCount]: SERVICE.poller,
  [METRIC.pollerFiltered]: SERVICE.poller,
  [METRIC.pollerRegistryHeld]: SERVICE.poller,
  [METRIC.bufferSize]: SERVICE.poller,
  [METRIC.writerSuccess]: SERVICE.deliver,
  [METRIC.writerFailure]: SERVICE.deliver,
  [METRIC.deadLetterTopicFailed]: SERVICE.dlq,
};

/** The poller's health endpoint port (the Dockerfile's HEALTHCHECK uses the same). */
export const POLLER_HEALTH_PORT = 8080;

/** The secret name the stack reads the Discord webhook from when no secret is passed in. */
export const DEFAULT_DISCORD_WEBHOOK_SECRET_NAME = 'kafka-bridge/discord-webhook';
