import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { BridgeConfigInput } from '../../lib/config/index.ts';
import {
  ENV,
  METRIC,
  METRIC_PUBLISHER,
  METRICS_NAMESPACE,
  POLLER_HEALTH_PORT,
  SERVICE_DIMENSION,
} from '../../lib/runtime/contract.ts';
import { bundleDir } from './bundles.ts';
import { acknowledgeStarResource } from './nag.ts';
import type { RouteResources } from './route-resources.ts';

/** Fargate sizing of the poller service. */
export interface PollerSizing {
  /** vCPU units (256 = 0.25 vCPU). Default 512. */
  readonly cpu?: number;
  /** MiB, a valid Fargate combination with `cpu`. Default 1024. */
  readonly memoryMiB?: number;
  /** Tasks when no route lags; also the scaling minimum. Default 1. */
  readonly desiredCount?: number;
  /** Most tasks autoscaling may run (more than a route's partitions would idle). Default 4. */
  readonly maxCount?: number;
  /** Commit lag (records, the largest of the routes) above which one more task starts. Default 10000. */
  readonly scaleOutLag?: number;
}

export interface PollerProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** The config as the runtime gets it (BRIDGE_CONFIG_JSON), parsed again at start. */
  readonly runtimeConfig: BridgeConfigInput;
  readonly routes: readonly RouteResources[];
  readonly bucket: s3.Bucket;
  readonly sizing: PollerSizing;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The poller: one Fargate service whose tasks join every route's membership group and forward
 * records to the routes' queues. Tasks scale on the routes' commit lag.
 */
export class Poller extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly taskRole: iam.IRole;

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    const sizing = props.sizing;
    const desiredCount = sizing.desiredCount ?? 1;
    const maxCount = sizing.maxCount ?? Math.max(4, desiredCount);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: sizing.cpu ?? 512,
      memoryLimitMiB: sizing.memoryMiB ?? 1024,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
      },
    });
    this.taskRole = taskDefinition.taskRole;

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    taskDefinition.addContainer('poller', {
      // Synth only stages the build context (the prebuilt poller bundle and its Dockerfile);
      // Docker builds it at deploy. amd64 so any deploy machine builds it without emulation.
      image: ecs.ContainerImage.fromAsset(bundleDir('poller'), { platform: Platform.LINUX_AMD64 }),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'poller', logGroup }),
      readonlyRootFilesystem: true,
      environment: {
        [ENV.bridgeConfig]: Stack.of(this).toJsonString(props.runtimeConfig),
        [ENV.payloadBucket]: props.bucket.bucketName,
        [ENV.healthPort]: String(POLLER_HEALTH_PORT),
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.serviceName]: 'kafka-bridge-poller',
      },
      healthCheck: {
        // The image has node and no curl; the poller answers 200 on /health while its Kafka
        // consumers run (same check as the Dockerfile's HEALTHCHECK).
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${POLLER_HEALTH_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      // Time to leave the consumer groups cleanly, so partitions move without a session timeout.
      stopTimeout: Duration.seconds(30),
    });

    this.service = new ecs.FargateService(this, 'Service', {
      // Type-only cast: see KafkaBridge (aws-cdk-lib's getters vs exactOptionalPropertyTypes).
      cluster: this.cluster as ecs.ICluster,
      taskDefinition,
      desiredCount,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      assignPublicIp: false,
      // A broken image rolls back instead of leaving the routes without pollers.
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    });

    const scaling = this.service.autoScaleTaskCount({ minCapacity: desiredCount, maxCapacity: maxCount });
    const scaleOutLag = sizing.scaleOutLag ?? 10_000;
    scaling.scaleOnMetric('ScaleOnLag', {
      metric: this.largestRouteLag(),
      scalingSteps: [
        { upper: scaleOutLag / 10, change: -1 },
        { lower: scaleOutLag, change: +1 },
        { lower: scaleOutLag * 10, change: +2 },
      ],
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(5),
      evaluationPeriods: 3,
    });

    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds no secrets: the validated route config (secret references are names or ARNs, never values), queue URLs, the bucket name and the health port. Secrets are read at run time from Secrets Manager by the task role.',
    });
    acknowledgeStarResource(
      taskDefinition.obtainExecutionRole(),
      'ecr:GetAuthorizationToken, which pulling the image needs, has no resource-level permissions: AWS only grants it on *. The image pull itself is limited to the asset repository.',
    );
  }

  /**
   * The largest commit lag of the routes, as the commit function publishes it: the poller scales
   * for the route that lags most. Minutes without a commit run count as no lag.
   */
  private largestRouteLag(): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: 'FILL(largest, 0)',
      usingMetrics: {
        largest: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC.commitLargestRouteLag,
          dimensionsMap: { [SERVICE_DIMENSION]: METRIC_PUBLISHER[METRIC.commitLargestRouteLag] },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
      },
      period: Duration.minutes(1),
      label: 'largest route commit lag',
    });
  }

  dashboardWidgets(): cloudwatch.IWidget[] {
    return [
      new cloudwatch.GraphWidget({
        title: 'poller',
        left: [this.service.metricCpuUtilization(), this.service.metricMemoryUtilization()],
        right: [
          new cloudwatch.Metric({
            namespace: 'ECS/ContainerInsights',
            metricName: 'RunningTaskCount',
            dimensionsMap: { ClusterName: this.cluster.clusterName, ServiceName: this.service.serviceName },
            statistic: 'Average',
          }),
        ],
        width: 12,
      }),
    ];
  }
}
