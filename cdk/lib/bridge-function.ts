import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, METRICS_NAMESPACE } from '../../lib/runtime/contract.ts';

/** The repository root: entries, package-lock.json and the Dockerfile are found from here. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The function entry points, relative to the repository root. */
export const ENTRIES = {
  deliver: 'functions/deliver.ts',
  deadLetter: 'functions/dlq.ts',
  commit: 'functions/commit.ts',
  notify: 'functions/notify.ts',
} as const;

export interface BridgeFunctionProps {
  /** Path of the handler file relative to the repository root (one of ENTRIES). */
  readonly entry: string;
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
  /**
   * Files copied next to the bundle (name -> content), read at run time from LAMBDA_TASK_ROOT:
   * config too large for Lambda's 4 KB of environment. Their content is part of the asset, so a
   * change redeploys the function.
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
}

const BUNDLED_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A single-quoted shell word: the local bundling runs its command hooks through bash. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * Writes the files into a fresh directory at synth time and returns the command hooks that copy
 * them into the bundle's output directory (local bundling only: this project never bundles in
 * Docker).
 */
function copyFilesHooks(files: Readonly<Record<string, string>>): nodejs.ICommandHooks {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-bridge-bundled-'));
  for (const [name, content] of Object.entries(files)) {
    if (!BUNDLED_FILE_NAME.test(name))
      throw new Error(`bundled file name ${JSON.stringify(name)} is not a plain file name`);
    writeFileSync(join(dir, name), content);
  }
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) =>
      Object.keys(files).map(
        (name) => `cp ${shellQuote(join(dir, name))} ${shellQuote(join(outputDir, name))}`,
      ),
  };
}

/**
 * A NodejsFunction the way every bridge function is built: Node 24 on arm64 (pure JS bundles,
 * cheaper per GB-second), bundled by the local esbuild as ESM (middy 7 is ESM-only), with its
 * own log group so retention is set without the log-retention custom resource.
 */
export class BridgeFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      logGroup: this.logGroup,
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
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        // Prefer the ESM builds of dependencies; CJS-only ones (kafkajs) still load through the banner.
        mainFields: ['module', 'main'],
        // An ESM bundle has no `require`; CJS dependencies bundled into it call it for Node built-ins.
        banner:
          "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the AWS SDK too: the code runs with the versions it was tested with, not the runtime's.
        externalModules: [],
        ...(props.bundledFiles === undefined ? {} : { commandHooks: copyFilesHooks(props.bundledFiles) }),
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
