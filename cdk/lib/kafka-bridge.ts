import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COMMIT_FUNCTION_OPTIONS, committerAccess } from '../../lib/commit/committer.ts';
import { COMPLETION_TABLE_KEYS } from '../../lib/completion/table.ts';
import {
  type BridgeConfig,
  type BridgeConfigInput,
  parseBridgeConfig,
  type RouteInput,
} from '../../lib/config/index.ts';
import { eventSendersPath } from '../../lib/notify/senders.ts';
import { POLLER_DATA_ACCESS, POLLER_QUEUE_ACCESS } from '../../lib/poller/access.ts';
import { DEFAULT_DISCORD_WEBHOOK_SECRET_NAME, ENV } from '../../lib/runtime/contract.ts';
import { allowAlarmPublish } from './alarm-topic.ts';
import { BridgeFunction } from './bridge-function.ts';
import { type ConfigDelivery, configDelivery } from './config-delivery.ts';
import { routeDashboards, sharedDashboard } from './dashboards.ts';
import {
  grantBucketAccess,
  grantEventSendersRead,
  grantGlueSchemaReads,
  grantSecretValue,
  grantTableAccess,
} from './grants.ts';
import {
  type KafkaConnectionProps,
  kafkaSecrets,
  mskIamStatements,
  resolveKafka,
  secretFromRef,
} from './kafka-access.ts';
import { acknowledgeStarResource } from './nag.ts';
import { Poller, type PollerSizing } from './poller.ts';
import { deploymentStackName, type RouteResources, visibilityTimeoutFor } from './route-resources.ts';
import { RouteStack } from './route-stack.ts';
import { checkTeamLimits, type TeamLimits } from './team-limits.ts';

/** aws-cdk-lib's feature flag `@aws-cdk/aws-iam:minimizePolicies`. */
const MINIMIZE_POLICIES = '@aws-cdk/aws-iam:minimizePolicies';

export interface KafkaBridgeProps {
  /**
   * The routes and Kafka connection, as bridge.config.ts declares them. Validated here with
   * parseBridgeConfig in deploy mode: a bad route, or one that only works on one machine
   * (loopback or http:// endpoint, loopback broker), fails the synth with a ConfigError naming
   * route and field.
   */
  readonly config: BridgeConfigInput;
  /** Overrides of the config's Kafka connection, and the auth kinds the config cannot express (mTLS). */
  readonly kafka?: KafkaConnectionProps;
  /** The VPC of the poller and the commit function (they reach Kafka); a new one when absent. */
  readonly vpc?: ec2.IVpc;
  /** Where in the VPC; private subnets with egress when absent. */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * The bridge's own Discord webhook URL, for the notifier. When absent, the secret named
   * `kafka-bridge/discord-webhook` is used; create it before the first alarm fires.
   */
  readonly discordWebhookSecret?: secretsmanager.ISecret;
  readonly poller?: PollerSizing;
  /** Days before claim-check payloads expire. Default 15: longer than SQS's 14-day retention. */
  readonly payloadRetentionDays?: number;
  /** Days before dead-letter archives expire. Default 400. */
  readonly archiveRetentionDays?: number;
  /** Log retention of every function and the poller. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** What each team's route may name: secrets, Lambda targets, group ids (cdk/lib/team-limits.ts). */
  readonly limits?: TeamLimits;
}

/** How often the commit function also runs without stream events, so a quiet route still commits and reports lag. */
export const COMMIT_SCHEDULE = Duration.minutes(1);
/** Discord may ask to wait (429 retry_after): room for a few waits per invocation. */
const NOTIFY_TIMEOUT = Duration.minutes(2);
/**
 * The stream trigger waits this long to gather ledger entries into one commit run: at most one
 * run a second per shard while records flow. Measured with `npm run bench:commit`
 * (docs/benchmarks.md): commit p99 ~3 s at 1 s against ~5 s at 5 s (where the partition sat at
 * maxInFlight most of a backlog); 0 s cut the latency further but not the time the poller waited.
 */
export const COMMIT_BATCHING_WINDOW = Duration.seconds(1);

/**
 * The Kafka-to-endpoint bridge: per route a FIFO queue, DLQ, deliverer, DLQ consumer and alarms
 * (RouteResources); shared, the poller on Fargate, the completions table with the commit
 * function, the payload/archive bucket, the alarm topic and a dashboard.
 */
/** How long an overwritten or deleted archive or payload object stays recoverable. */
export const NONCURRENT_VERSION_DAYS = 30;

export class KafkaBridge extends Construct {
  readonly config: BridgeConfig;
  readonly routes: readonly RouteResources[];
  readonly bucket: s3.Bucket;
  readonly completionTable: dynamodb.Table;
  readonly commitFunction: lambda.IFunction;
  readonly alarmTopic: sns.Topic;
  readonly poller: Poller;
  readonly vpc: ec2.IVpc;
  /** Attached to the poller and the commit function: allow it on the brokers' security group. */
  readonly kafkaClientSecurityGroup: ec2.SecurityGroup;
  /** The shared parts: commit function and poller. */
  readonly dashboard: cloudwatch.Dashboard;
  /** A row per route, in pages (cdk/lib/dashboards.ts). */
  readonly routeDashboards: readonly cloudwatch.Dashboard[];
  readonly discordWebhookSecret: secretsmanager.ISecret;
  /** Dead-letter events of every route, read by the notifier. */
  readonly deadLetterEvents: sqs.Queue;
  readonly notifyFunction: lambda.IFunction;

  constructor(scope: Construct, id: string, props: KafkaBridgeProps) {
    super(scope, id);
    // Merge IAM statements that differ only in resources (what the flag does for a whole app):
    // with a few hundred routes the poller's and the notifier's grants stay within IAM's policy
    // size quotas. Set on this construct, it applies to the bridge's roles only.
    this.node.setContext(MINIMIZE_POLICIES, true);
    // First, before any resource: a bad config must fail with its own message, nothing else.
    // Deploy mode: no loopback or plain-http endpoint, no loopback broker (lib/config/deploy.ts).
    this.config = parseBridgeConfig(props.config, { mode: 'deploy' });
    const kafka = resolveKafka(this, this.config.kafka, props.kafka);
    checkTeamLimits(this.config, props.limits ?? {}, kafkaSecrets(kafka.auth));
    // The runtime gets the config as written (defaults not expanded: about a quarter of the
    // size), with the Kafka section as resolved here.
    // parseBridgeConfig at cold start turns it into exactly the config validated above.
    const runtimeInput = (routes: readonly RouteInput[]): BridgeConfigInput => ({
      kafka: kafka.runtime,
      routes: [...routes],
      ...(props.config.defaults === undefined ? {} : { defaults: props.config.defaults }),
    });
    const runtimeConfig = runtimeInput(props.config.routes);
    const allRoutesConfig = configDelivery(this, 'Config', runtimeConfig);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    // The casts to I-interfaces here and below are type-only: aws-cdk-lib declares optional
    // getters as `T | undefined`, which exactOptionalPropertyTypes rejects against its own
    // interfaces (`x?: T`). The objects are the same at run time.
    this.vpc = props.vpc ?? (this.createVpc() as ec2.IVpc);
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.kafkaClientSecurityGroup = new ec2.SecurityGroup(this, 'KafkaClient', {
      vpc: this.vpc,
      description: 'Kafka clients of the bridge (poller, commit function): allow it on the brokers',
      // Brokers, SQS, S3, DynamoDB and Secrets Manager endpoints: outbound only, no inbound rule.
      allowAllOutbound: true,
    });
    const network = { vpc: this.vpc, subnets, securityGroups: [this.kafkaClientSecurityGroup] };

    this.bucket = this.createBucket(props);
    this.completionTable = new dynamodb.Table(this, 'Completions', {
      partitionKey: { name: COMPLETION_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: COMPLETION_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: COMPLETION_TABLE_KEYS.ttlAttribute,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The table holds what the commit has not passed yet: deleting it with the stack would lose it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: 'Kafka bridge alarms', enforceSSL: true });
    allowAlarmPublish(this.alarmTopic);
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and alarm messages carry no record data (names, states and thresholds only), so a customer-managed key would add cost and no protection.',
    });
    this.discordWebhookSecret =
      props.discordWebhookSecret ??
      secretFromRef(this, 'DiscordWebhook', DEFAULT_DISCORD_WEBHOOK_SECRET_NAME);

    // Dead-letter events of every route for the notifier: a standard queue, so the event source
    // can gather a batching window's worth into one Discord summary per route.
    this.deadLetterEvents = new sqs.Queue(this, 'DeadLetterEvents', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(1),
      visibilityTimeout: visibilityTimeoutFor(NOTIFY_TIMEOUT),
    });
    Validations.of(this.deadLetterEvents).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'Dead-letter events are chat notifications about records that are already archived in S3 and kept in the route DLQ; the notifier never fails a batch (it logs and counts Discord failures), so a DLQ for them would stay empty.',
    });

    this.routes = this.config.routes.map(
      (route, index) =>
        new RouteStack(this, `Route-${route.name}`, {
          route,
          // parseBridgeConfig keeps the order of the routes: input index i is parsed route i.
          runtimeConfig: runtimeInput(props.config.routes.slice(index, index + 1)),
          bucket: this.bucket,
          table: this.completionTable,
          alarmTopic: this.alarmTopic,
          deadLetterEvents: this.deadLetterEvents,
          logRetention,
          kafkaWriter: {
            network,
            grant: (fn, writerRoute) => {
              for (const secret of kafkaSecrets(kafka.auth))
                grantSecretValue(fn, secret, 'Kafka client credentials');
              for (const statement of mskIamStatements(kafka.auth, 'dead-letter-writer', [writerRoute]))
                fn.addToRolePolicy(statement);
            },
          },
        }).resources,
    );

    const commit = new BridgeFunction(this, 'Commit', {
      bundle: 'commit',
      description: "Moves each route's progress-group offsets past finished records",
      timeout: Duration.minutes(1),
      // One run at a time: runs of one route would only contend for its lease.
      reservedConcurrentExecutions: 1,
      network,
      environment: {
        [ENV.completionTable]: this.completionTable.tableName,
        [ENV.serviceName]: 'kafka-bridge-commit',
      },
      logRetention,
      config: allRoutesConfig,
    });
    this.commitFunction = commit.function;
    this.wireCommit(commit, kafka.auth);

    this.poller = new Poller(this, 'Poller', {
      vpc: this.vpc,
      subnets,
      securityGroup: this.kafkaClientSecurityGroup,
      runtimeConfig,
      routes: this.routes,
      bucket: this.bucket,
      sizing: props.poller ?? {},
      logRetention,
    });
    for (const secret of kafkaSecrets(kafka.auth))
      grantSecretValue(this.poller.taskRole, secret, 'Kafka client credentials');
    for (const statement of mskIamStatements(kafka.auth, 'poller', this.config.routes)) {
      this.poller.taskRole.addToPrincipalPolicy(statement);
    }
    // What lib/poller declares: the queue lookup and forwarding, claim checks (PutObject alone:
    // no multipart, so none of grantPut's s3:Abort*), never the table.
    for (const routeResources of this.routes) {
      routeResources.queue.grant(this.poller.taskRole, ...POLLER_QUEUE_ACCESS);
      grantBucketAccess(
        this.poller.taskRole,
        this.bucket,
        POLLER_DATA_ACCESS,
        routeResources.route.name,
        'The poller',
      );
      const registry = routeResources.route.decode?.registry;
      if (registry?.type === 'glue')
        grantGlueSchemaReads(this.poller.taskRole, registry, routeResources.route.name);
    }

    this.notifyFunction = this.createNotifier(allRoutesConfig, logRetention);

    this.dashboard = sharedDashboard(this, [
      new cloudwatch.GraphWidget({
        title: 'commit function',
        left: [
          commit.function.metricInvocations(),
          commit.function.metricErrors(),
          commit.function.metricThrottles(),
        ],
        right: [commit.function.metricDuration({ statistic: 'p99' })],
        width: 12,
      }),
      ...this.poller.dashboardWidgets(),
    ]);
    this.routeDashboards = routeDashboards(this, this.routes);
  }

  /**
   * The Discord notifier (functions/notify.ts): alarm state changes from the topic, dead-letter
   * events from their queue, posted to the bridge's webhook and to each route's own one.
   */
  private createNotifier(config: ConfigDelivery, logRetention: logs.RetentionDays): lambda.IFunction {
    const notify = new BridgeFunction(this, 'Notify', {
      bundle: 'notify',
      description: 'Posts alarm changes and dead-letter summaries to Discord',
      timeout: NOTIFY_TIMEOUT,
      memorySize: 256,
      environment: {
        [ENV.discordWebhookSecret]: this.discordWebhookSecret.secretArn,
        [ENV.serviceName]: 'kafka-bridge-notify',
        [ENV.eventSendersPath]: eventSendersPath(deploymentStackName(this)),
        [ENV.alarmTopicArn]: this.alarmTopic.topicArn,
      },
      logRetention,
      config,
    });
    const fn = notify.function;
    this.alarmTopic.addSubscription(new subscriptions.LambdaSubscription(fn));
    fn.addEventSource(
      new eventSources.SqsEventSource(this.deadLetterEvents, {
        batchSize: 100,
        // One summary per route per window, never one post per record (docs/architecture.md, I7).
        maxBatchingWindow: Duration.seconds(30),
        maxConcurrency: 2,
      }),
    );
    // The notifier's only AWS calls: the webhook secrets (lib/notify/webhook-directory.ts) and
    // the routes' sender lists (lib/notify/senders.ts).
    grantSecretValue(fn, this.discordWebhookSecret, 'bridge Discord webhook');
    grantEventSendersRead(fn, eventSendersPath(deploymentStackName(this)));
    for (const route of this.config.routes) {
      const ref = route.alerts?.discordWebhookSecret;
      if (ref === undefined) continue;
      grantSecretValue(
        fn,
        secretFromRef(this, `TeamWebhook-${route.name}`, ref),
        `route ${route.name}'s Discord webhook`,
      );
    }
    return fn;
  }

  private createVpc(): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT gateway: the poller and the commit function reach Kafka, SQS and Secrets
      // Manager through it. Two would survive an AZ outage at twice the fixed cost (docs/deploy.md).
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Free gateway endpoints keep S3 and DynamoDB traffic off the NAT gateway (and its data charge).
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      ),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return vpc;
  }

  private createBucket(props: KafkaBridgeProps): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Archives are the evidence of dead letters: they outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      // The deliverer and the CLI rewrite archive objects (a replayed record failing again, the
      // replay mark): an overwritten or deleted object stays recoverable as a noncurrent version.
      versioned: true,
      lifecycleRules: [
        {
          id: 'noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
          expiredObjectDeleteMarker: true,
        },
        {
          id: 'payloads',
          prefix: 'payloads/',
          expiration: Duration.days(props.payloadRetentionDays ?? 15),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          id: 'archive',
          prefix: 'archive/',
          expiration: Duration.days(props.archiveRetentionDays ?? 400),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the bridge roles read or write this bucket (claim-check payloads and dead-letter archives, TLS only, no public access); server access logs would need a second bucket per stack for no reader. Use CloudTrail S3 data events where an audit trail is required.',
    });
    return bucket;
  }

  private wireCommit(commit: BridgeFunction, auth: Parameters<typeof kafkaSecrets>[0]): void {
    const fn = commit.function;
    // Completion inserts trigger a run soon after records finish; deletes (the commit cleaning
    // up) and lease updates must not trigger runs of their own.
    fn.addEventSource(
      new eventSources.DynamoEventSource(this.completionTable as dynamodb.ITable, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: COMMIT_BATCHING_WINDOW,
        // The schedule runs the commit anyway: a failed stream batch is retried a little, then dropped.
        retryAttempts: 2,
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
      }),
    );
    new events.Rule(this, 'CommitSchedule', {
      description: 'Runs the commit function every minute, so quiet routes commit and report lag too',
      schedule: events.Schedule.rate(COMMIT_SCHEDULE),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });
    // What the Committer functions/commit.ts builds calls: every route's lease and completion
    // walk (lib/commit/committer.ts), nothing else of the table.
    grantTableAccess(
      fn,
      this.completionTable,
      committerAccess(COMMIT_FUNCTION_OPTIONS),
      this.config.routes.map((route) => route.name),
    );
    for (const secret of kafkaSecrets(auth)) grantSecretValue(fn, secret, 'Kafka client credentials');
    for (const statement of mskIamStatements(auth, 'committer', this.config.routes))
      fn.addToRolePolicy(statement);

    const alarm = new cloudwatch.Alarm(this, 'CommitErrors', {
      alarmName: `${Stack.of(this).stackName}-CommitErrors`,
      alarmDescription: 'The commit function failed: offsets do not move for some routes',
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    alarm.addOkAction(new cwActions.SnsAction(this.alarmTopic));

    acknowledgeStarResource(
      fn,
      'dynamodb:ListStreams (the DynamoDB stream event source) and the network-interface actions Lambda needs to place the function in the VPC (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DescribeSubnets, DeleteNetworkInterface, Assign/UnassignPrivateIpAddresses) have no resource-level permissions: AWS only grants them on *.',
    );
  }
}
