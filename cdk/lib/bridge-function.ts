import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, METRICS_NAMESPACE } from '../../lib/runtime/contract.ts';
import { BUNDLE_FILE, type BundleName, bundleDir } from './bundles.ts';
import type { ConfigDelivery } from './config-delivery.ts';

export interface BridgeFunctionProps {
  /** Which prebuilt bundle the function runs (cdk/lib/bundles.ts). */
  readonly bundle: Exclude<BundleName, 'poller'>;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrentExecutions?: number;
  /** Only functions that talk to Kafka run in the VPC; the others need no network placement. */
  readonly network?: {
    readonly vpc: ec2.IVpc;
    readonly subnets: ec2.SubnetSelection;
    readonly securityGroups: readonly ec2.ISecurityGroup[];
  };
  readonly logRetention: logs.RetentionDays;
  /** The config: environment variables and, when the routes go in a file, the layer holding it. */
  readonly config: ConfigDelivery;
}

/** The handler export of every bundle: `index.mjs` exports `handler`. */
const HANDLER = `${BUNDLE_FILE.replace(/\.mjs$/, '')}.handler`;

/**
 * A Lambda function the way every bridge function is built: Node 24 on arm64 (pure JS bundles,
 * cheaper per GB-second), the prebuilt ESM bundle as its code (one asset shared by every route:
 * synth needs neither esbuild nor Docker in an installed package), the config in its layer, and
 * its own log group so retention is set without the log-retention custom resource.
 */
export class BridgeFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { layer } = props.config;
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(bundleDir(props.bundle)),
      handler: HANDLER,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      logGroup: this.logGroup,
      ...(layer === undefined ? {} : { layers: [layer] }),
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(props.network === undefined
        ? {}
        : {
            vpc: props.network.vpc,
            vpcSubnets: props.network.subnets,
            securityGroups: [...props.network.securityGroups],
          }),
      environment: {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        // Stack traces point at the TypeScript sources through the bundled source maps.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.config.environment,
        ...props.environment,
      },
    });
    scopeExecutionRole(this.function, this.logGroup, props.network !== undefined);
  }
}

/**
 * The function's own execution permissions instead of AWS's managed ones (Lambda attaches
 * AWSLambdaBasicExecutionRole, and AWSLambdaVPCAccessExecutionRole in a VPC, which allow logs
 * actions on every log group of the account): log streams and events in the function's own
 * log group only, and for a function in the VPC the network-interface actions Lambda needs to
 * place it there (AWS grants those on `*` only; acknowledged where the function is built). The
 * managed policies are removed from the synthesized role, which keeps its path and logical id.
 */
function scopeExecutionRole(fn: lambda.Function, logGroup: logs.LogGroup, inVpc: boolean): void {
  const role = fn.role?.node.defaultChild;
  if (!(role instanceof iam.CfnRole)) throw new Error(`${fn.node.path}: expected the role Lambda created`);
  role.managedPolicyArns = undefined;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // logGroupArn ends in `:*`: the group's log streams.
      resources: [logGroup.logGroupArn],
    }),
  );
  if (!inVpc) return;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
}
