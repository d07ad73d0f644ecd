import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { RouteDataAccess } from '../../lib/aws/access.ts';
import {
  type BridgeConfigInput,
  DELIVER_BATCH_SIZE,
  deadLetterQueueName,
  deliverConcurrency,
  deliverTimeoutMs,
  deliverVisibilityMs,
  maxReceiveCount,
  queueName,
  REDRIVE_CONSUMER_ATTEMPTS,
  type Route,
  redriveQueueName,
  SQS_MAX_VISIBILITY_MS,
} from '../../lib/config/index.ts';
import { delivererAccess } from '../../lib/deliver/create.ts';
import { DEAD_LETTER_EVENTS_ACCESS } from '../../lib/deliver/dead-letter-events.ts';
import { deliverersDeadLetterQueue } from '../../lib/deliver/dead-letter-topic.ts';
import { LAMBDA_TARGET_ACCESS } from '../../lib/deliver/lambda-target.ts';
import { DEAD_LETTER_QUEUE_ACCESS, redriveAccess } from '../../lib/deliver/redrive.ts';
import { SQS_MAX_MESSAGE_BYTES } from '../../lib/envelope/size.ts';
import { eventSendersParameter, eventSendersPath } from '../../lib/notify/senders.ts';
import {
  ENV,
  METRIC,
  METRIC_PUBLISHER,
  METRICS_NAMESPACE,
  type MetricName,
  ROUTE_DIMENSION,
  SERVICE_DIMENSION,
} from '../../lib/runtime/contract.ts';
import { BridgeFunction, type BridgeFunctionProps } from './bridge-function.ts';
import { configDelivery } from './config-delivery.ts';
import { grantBucketAccess, grantSecretValue, grantTableAccess } from './grants.ts';
import { secretFromRef } from './kafka-access.ts';
import { acknowledgeStarResource } from './nag.ts';

/**
 * AWS recommends a queue visibility timeout of at least six times the consuming function's
 * timeout: kept for the redrive and notifier queues, where a crash blocks nothing else. The
 * route queue has a shorter one (deliverVisibilityMs).
 */
export const VISIBILITY_PER_FUNCTION_TIMEOUT = 6;

/** SQS's longest retention: a record waiting out its retries must never expire from the queue. */
export const QUEUE_RETENTION = Duration.days(14);

const DEAD_LETTER_FUNCTION_TIMEOUT = Duration.minutes(1);

/**
 * The deliverer's timeout: every message of a full batch may use one whole endpoint timeout in
 * turn, plus time for the completion writes; at most Lambda's 15 minutes. In-process retries
 * use what is left of the invocation, so a longer timeout is not needed for them.
 */
export function deliverTimeout(route: Route): Duration {
  return Duration.millis(deliverTimeoutMs(route));
}

/** The queue's visibility timeout for a consumer with this timeout (6x, capped at SQS's 12 hours). */
export function visibilityTimeoutFor(functionTimeout: Duration): Duration {
  return Duration.seconds(
    Math.min(functionTimeout.toSeconds() * VISIBILITY_PER_FUNCTION_TIMEOUT, SQS_MAX_VISIBILITY_MS / 1000),
  );
}

/**
 * Age of the oldest queued message above which the route is behind: longer than the whole retry
 * schedule (every attempt waiting the longest backoff), at least 15 minutes.
 */
export function oldestMessageAgeThreshold(route: Route): Duration {
  const seconds = Math.ceil((route.retry.attempts * route.retry.maxMs) / 1000);
  return Duration.seconds(Math.max(seconds, 15 * 60));
}

export interface RouteResourcesProps {
  readonly route: Route;
  /**
   * The config the route's functions get (parsed again at cold start): the stack's Kafka
   * section and this route alone.
   */
  readonly runtimeConfig: BridgeConfigInput;
  readonly bucket: s3.Bucket;
  readonly table: dynamodb.Table;
  readonly alarmTopic: sns.ITopic;
  /** Where the route's functions publish an event per dead letter, for the notifier's summaries. */
  readonly deadLetterEvents: sqs.Queue;
  readonly logRetention: logs.RetentionDays;
  /**
   * For a route with a failure topic (deadLetter.kafkaTopic): the Kafka clients' network for
   * the DLQ consumer, and what grants it the cluster (secrets, MSK IAM for its topic).
   */
  readonly kafkaWriter?: {
    readonly network: NonNullable<BridgeFunctionProps['network']>;
    grant(fn: lambda.IFunction, route: Route): void;
  };
}

/**
 * Everything one route owns: its FIFO queue, redrive queue and DLQ, its deliverer and DLQ consumer with IAM
 * limited to the route's own queue, DLQ, S3 prefixes, completion items and secrets, and its
 * alarms. Nothing here is shared with another route, so one team's failing endpoint cannot
 * reach another's resources.
 */
export class RouteResources extends Construct {
  readonly route: Route;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Where SQS redrives messages the deliverer never finished; the DLQ consumer reads it. */
  readonly redriveQueue: sqs.Queue;
  readonly deliverFunction: lambda.IFunction;
  readonly deadLetterFunction: lambda.IFunction;
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The route's commit lag (records between the progress group's offset and the log end). */
  readonly commitLag: cloudwatch.IMetric;

  constructor(scope: Construct, id: string, props: RouteResourcesProps) {
    super(scope, id);
    const { route, bucket, table } = props;
    this.route = route;

    const timeout = deliverTimeout(route);
    const fifo = {
      fifo: true,
      // High-throughput FIFO: there is no single switch, it is these two settings together.
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      retentionPeriod: QUEUE_RETENTION,
    } as const;
    // The DLQ has no consumer: dead letters stay there for operators to inspect and replay
    // (the alarm fires while it is not empty). The deliverer sends its own dead letters here.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...fifo,
      queueName: deadLetterQueueName(route),
    });
    // SQS's own redrive (crashes, timeouts) goes to this queue first: the DLQ consumer archives
    // and completes each message, then forwards it to the DLQ, so the commit is never stuck
    // behind a crashed record and the DLQ still holds every dead letter.
    this.redriveQueue = new sqs.Queue(this, 'RedriveQueue', {
      ...fifo,
      queueName: redriveQueueName(route),
      visibilityTimeout: visibilityTimeoutFor(DEAD_LETTER_FUNCTION_TIMEOUT),
      // A consumer that keeps failing hands the message on as it is; the DLQ alarm and the
      // consumer's error alarm both fire.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: REDRIVE_CONSUMER_ATTEMPTS },
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...fifo,
      queueName: queueName(route),
      // A crashed invocation blocks its key groups this long (lib/config/derived.ts).
      visibilityTimeout: Duration.millis(deliverVisibilityMs(route)),
      deadLetterQueue: { queue: this.redriveQueue, maxReceiveCount: maxReceiveCount(route) },
    });

    // One config layer per route, shared by its two functions.
    const config = configDelivery(this, 'Config', props.runtimeConfig);
    const common = {
      [ENV.deadLetterEventsQueueUrl]: props.deadLetterEvents.queueUrl,
      [ENV.routeName]: route.name,
      [ENV.bucket]: bucket.bucketName,
      [ENV.completionTable]: table.tableName,
    };

    const deliver = new BridgeFunction(this, 'Deliver', {
      bundle: 'deliver',
      description: `Delivers the records of route ${route.name} to its endpoint`,
      timeout,
      environment: {
        ...common,
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.deadLetterQueueUrl]: this.#deliverersDeadLetterQueue().queueUrl,
        [ENV.serviceName]: 'kafka-bridge-deliver',
      },
      logRetention: props.logRetention,
      config,
    });
    this.deliverFunction = deliver.function;
    deliver.function.addEventSource(
      new eventSources.SqsEventSource(this.queue, {
        batchSize: DELIVER_BATCH_SIZE,
        maxConcurrency: deliverConcurrency(route).invocations,
        // A failed group fails only its own later messages in the batch; other groups go on.
        reportBatchItemFailures: true,
      }),
    );

    // With a failure topic the DLQ consumer writes to Kafka: it runs in the Kafka clients' VPC.
    const writer = route.deadLetter === undefined ? undefined : props.kafkaWriter;
    const deadLetter = new BridgeFunction(this, 'DeadLetter', {
      bundle: 'dead-letter',
      ...(writer === undefined ? {} : { network: writer.network }),
      description:
        route.deadLetter === undefined
          ? `Archives, completes and dead-letters the records SQS redrove from route ${route.name}`
          : // Not the topic's name: a description holds 256 characters, a topic name 249.
            `Dead-letters the records SQS redrove from route ${route.name}; writes its dead letters to its Kafka failure topic`,
      timeout: DEAD_LETTER_FUNCTION_TIMEOUT,
      environment: {
        ...common,
        [ENV.forwardQueueUrl]: this.deadLetterQueue.queueUrl,
        [ENV.serviceName]: 'kafka-bridge-dlq',
      },
      logRetention: props.logRetention,
      config,
    });
    this.deadLetterFunction = deadLetter.function;
    if (writer !== undefined) {
      writer.grant(deadLetter.function, route);
      acknowledgeStarResource(
        deadLetter.function,
        'The network-interface actions Lambda needs to place the function in the VPC (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DescribeSubnets, DeleteNetworkInterface, Assign/UnassignPrivateIpAddresses) have no resource-level permissions: AWS only grants them on *.',
      );
    }
    eventSendersList(this, route.name, [deliver.function, deadLetter.function]);
    deadLetter.function.addEventSource(
      new eventSources.SqsEventSource(this.redriveQueue, {
        batchSize: DELIVER_BATCH_SIZE,
        // Dead letters are rare; two at a time (the least the event source allows) is plenty.
        maxConcurrency: 2,
        reportBatchItemFailures: true,
      }),
    );

    // What each function's modules declare they call (lib/deliver/create.ts, redrive.ts).
    this.grantRouteAccess(deliver.function, delivererAccess(route), 'The deliverer', props);
    this.grantRouteAccess(deadLetter.function, redriveAccess(route), 'The DLQ consumer', props);
    this.grantEndpointAccess(deliver.function);

    this.commitLag = routeMetric(route, METRIC.commitLag, 'Maximum');
    this.alarms = this.createAlarms(props.alarmTopic);
  }

  /**
   * IAM of a route function beyond its own queue (the event source grants consuming it): the
   * DLQ and the dead-letter events queue (SendMessage), the route's S3 prefixes and its own
   * table items. Completion items of the route start with `<route>#`, its other items with
   * `<kind>#<route>` (lib/completion, lib/quarantine, lib/breaker, lib/deliver/attempt-log.ts);
   * route names hold no `#`, so `orders#*` never matches `orders-eu#...`.
   */
  private grantRouteAccess(
    fn: lambda.IFunction,
    access: RouteDataAccess,
    who: string,
    props: RouteResourcesProps,
  ): void {
    const { route } = this;
    // Both send to the DLQ: the deliverer its own dead letters, the consumer what it archived.
    // With a failure topic the deliverer sends its own to the redrive queue instead.
    const queue = fn === this.deliverFunction ? this.#deliverersDeadLetterQueue() : this.deadLetterQueue;
    queue.grant(fn, ...DEAD_LETTER_QUEUE_ACCESS.actions);
    props.deadLetterEvents.grant(fn, ...DEAD_LETTER_EVENTS_ACCESS.actions);
    grantBucketAccess(fn, props.bucket, access, route.name, `${who} of route ${route.name}`);
    grantTableAccess(fn, props.table, access.table, [route.name]);
  }

  /** Where the deliverer sends its dead letters (lib/deliver/dead-letter-topic.ts). */
  #deliverersDeadLetterQueue(): sqs.Queue {
    return deliverersDeadLetterQueue(this.route, {
      deadLetter: this.deadLetterQueue,
      redrive: this.redriveQueue,
    });
  }

  /** The endpoint's secrets and, for a Lambda endpoint, the right to invoke exactly that function. */
  private grantEndpointAccess(fn: lambda.IFunction): void {
    // The team's Discord webhook is the notifier's to read, not the deliverer's.
    const { endpoint } = this.route;
    const refs: [string, string | undefined][] = [
      ['HeadersSecret', endpoint.type === 'http' ? endpoint.headersSecret : undefined],
      ['SigningSecret', endpoint.type === 'http' ? endpoint.signingSecret : undefined],
      ['OAuth2Secret', endpoint.type === 'http' ? endpoint.auth?.oauth2?.credentialsSecret : undefined],
      [
        'ClientCertificateSecret',
        endpoint.type === 'http' ? endpoint.auth?.clientCertificateSecret : undefined,
      ],
    ];
    for (const [id, ref] of refs) {
      if (ref === undefined) continue;
      grantSecretValue(fn, secretFromRef(this, id, ref), `route ${this.route.name}'s ${id}`);
    }
    if (endpoint.type === 'lambda') {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [...LAMBDA_TARGET_ACCESS.actions],
          resources: [endpoint.functionArn],
        }),
      );
    }
  }

  private createAlarms(topic: sns.ITopic): cloudwatch.Alarm[] {
    const { route } = this;
    const minute = Duration.minutes(1);
    const alarms: cloudwatch.Alarm[] = [];
    // Readable, stable names: `<stack>-<route>-<kind>`; the notifier tells the kind by the name.
    const add = (id: string, props: cloudwatch.AlarmProps): void => {
      alarms.push(
        new cloudwatch.Alarm(this, id, {
          ...props,
          alarmName: `${deploymentStackName(this)}-${route.name}-${id}`,
        }),
      );
    };

    // Nothing consumes the DLQ: the alarm stays on while dead letters wait for a replay.
    add('DeadLetterQueueNotEmpty', {
      alarmDescription: `Route ${route.name}: records are in the dead-letter queue`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('OldestMessageAge', {
      alarmDescription: `Route ${route.name}: a queued record is older than its whole retry schedule`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' }),
      threshold: oldestMessageAgeThreshold(route).toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Rising: the lag grew in every one of 15 consecutive minutes. A steady lag under steady
    // load goes up and down, so it does not fire; a backlog that only grows does.
    add('CommitLagRising', {
      alarmDescription: `Route ${route.name}: commit lag (${METRIC.commitLag}) grew for 15 minutes in a row`,
      metric: new cloudwatch.MathExpression({
        expression: 'DIFF(lag)',
        usingMetrics: { lag: routeMetric(route, METRIC.commitLag, 'Maximum') },
        period: minute,
        label: 'commit lag change',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 15,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('DeliverErrors', {
      alarmDescription: `Route ${route.name}: the deliver function failed (unhandled errors or timeouts)`,
      metric: this.deliverFunction.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    add('DeadLetterErrors', {
      alarmDescription: `Route ${route.name}: the DLQ consumer failed, dead letters are not archived`,
      metric: this.deadLetterFunction.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // A failure topic Kafka refuses: the dead letters wait in the redrive queue (docs/deliver.md).
    if (route.deadLetter !== undefined) {
      add('DeadLetterTopicWriteFailed', {
        alarmDescription: `Route ${route.name}: dead letters could not be written to its Kafka failure topic; they wait in the redrive queue`,
        metric: routeMetric(route, METRIC.deadLetterTopicFailed, 'Sum', Duration.minutes(5)),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    // The poller publishes 1 per interval while the route's poller runs: a 0 (stopped) and no
    // data at all (no task, or a task that hangs) both mean nobody is polling the route.
    add('PollerHeartbeatMissing', {
      alarmDescription: `Route ${route.name}: no poller heartbeat (${METRIC.pollerHeartbeat}) for 5 minutes`,
      metric: routeMetric(route, METRIC.pollerHeartbeat, 'Maximum', Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // A decoding route's schema registry does not answer: the poller holds the partitions that
    // wait for it (retried with backoff, nothing dead-lettered). Sampled once per interval per
    // task, so held in 4 of 5 minutes; a silent poller is the heartbeat alarm's.
    if (route.decode !== undefined) {
      add('RegistryUnavailable', {
        alarmDescription: `Route ${route.name}: its schema registry does not answer; the poller holds partitions (${METRIC.pollerRegistryHeld})`,
        metric: routeMetric(route, METRIC.pollerRegistryHeld, 'Maximum'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 4,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    // Stuck: finished records have waited behind an unfinished one for 30 minutes while the lag
    // never went down. The route-level series cannot say which partition; the CLI can.
    add('StuckPartition', {
      alarmDescription: `Route ${route.name}: records wait behind an unfinished one and the commit has not moved for 30 minutes`,
      metric: new cloudwatch.MathExpression({
        expression: 'IF(FILL(waiting, 0) > 0 AND FILL(DIFF(lag), 0) >= 0, 1, 0)',
        usingMetrics: {
          waiting: routeMetric(route, METRIC.commitWaiting, 'Minimum'),
          lag: routeMetric(route, METRIC.commitLag, 'Maximum'),
        },
        period: minute,
        label: 'stuck',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 30,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const action = new cwActions.SnsAction(topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarms;
  }

  /** The route's row of the dashboard. */
  dashboardWidgets(): cloudwatch.IWidget[] {
    const { route } = this;
    const minute = Duration.minutes(1);
    return [
      new cloudwatch.TextWidget({ markdown: `## Route ${route.name}`, width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: `${route.name}: queue`,
        left: [
          this.queue.metricApproximateNumberOfMessagesVisible({ period: minute }),
          this.queue.metricApproximateNumberOfMessagesNotVisible({ period: minute }),
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            label: 'DLQ visible',
          }),
        ],
        right: [this.queue.metricApproximateAgeOfOldestMessage({ period: minute })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${route.name}: Kafka`,
        left: [this.commitLag, routeMetric(route, METRIC.bufferSize, 'Maximum')],
        right: [
          routeMetric(route, METRIC.pollCount, 'Sum'),
          routeMetric(route, METRIC.commitWaiting, 'Maximum'),
          // The poller's stages, where the route has them: records left out, partitions held.
          ...(route.filter === undefined ? [] : [routeMetric(route, METRIC.pollerFiltered, 'Sum')]),
          ...(route.decode === undefined ? [] : [routeMetric(route, METRIC.pollerRegistryHeld, 'Maximum')]),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${route.name}: delivery`,
        left: [
          routeMetric(route, METRIC.writerSuccess, 'Sum'),
          routeMetric(route, METRIC.writerFailure, 'Sum'),
          this.deliverFunction.metricErrors({ period: minute }),
        ],
        right: [this.deliverFunction.metricDuration({ period: minute, statistic: 'p99' })],
        width: 8,
      }),
    ];
  }
}

/** The name of the deployed (top-level) stack holding `scope`, also from inside a nested stack. */
export function deploymentStackName(scope: Construct): string {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent !== undefined) stack = stack.nestedStackParent;
  return stack.stackName;
}

/** A route-level bridge metric: dimensions `service` (its publisher) and `route` (see contract.ts). */
export function routeMetric(
  route: Route,
  metricName: MetricName,
  statistic: string,
  period = Duration.minutes(1),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: METRIC_PUBLISHER[metricName], [ROUTE_DIMENSION]: route.name },
    statistic,
    period,
  });
}

/**
 * The route's dead-letter event senders for the notifier (lib/notify/senders.ts): the role ids
 * SQS stamps as `SenderId` on the events of the route's deliverer and DLQ consumer, as a JSON list
 * in `/<stack>/event-senders/<route>`, resolved at deploy.
 */
function eventSendersList(scope: Construct, route: string, functions: readonly lambda.IFunction[]): void {
  const ids = functions.map((fn) => {
    if (!(fn.role instanceof iam.Role)) throw new Error(`${fn.node.path}: expected the role Lambda created`);
    return fn.role.roleId;
  });
  new ssm.StringParameter(scope, 'EventSenders', {
    parameterName: eventSendersParameter(eventSendersPath(deploymentStackName(scope)), route),
    stringValue: Stack.of(scope).toJsonString(ids),
    description: `Role ids that may send route ${route}'s dead-letter events`,
  });
}
