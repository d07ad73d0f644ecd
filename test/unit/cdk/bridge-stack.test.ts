import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { NONCURRENT_VERSION_DAYS } from '../../../cdk/lib/kafka-bridge.ts';
import { type BridgeConfig, parseBridgeConfig, type RouteResources } from '../../../index.ts';
import { completionTableDefinition } from '../../../lib/completion/table.ts';
import { deliverersDeadLetterQueue } from '../../../lib/deliver/dead-letter-topic.ts';
import { bridgeConfigFromEnv } from '../../../lib/runtime/config.ts';
import { METRIC, METRICS_NAMESPACE, SERVICE } from '../../../lib/runtime/contract.ts';
import { twoRouteApp } from './two-route-app.ts';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const bridge = twoRouteApp();
const { template, stack } = bridge;
type Json = Record<string, unknown>;

function routeNamed(name: string): RouteResources {
  const found = stack.bridge.routes.find((route) => route.route.name === name);
  assert.ok(found, `route ${name} synthesized`);
  return found;
}

/** The CloudFormation resource of a construct, from its own stack's template (or by id in `holder`'s). */
function resource(construct: IConstruct, logicalId = bridge.logicalId(construct)): Json {
  const all = bridge.templateOf(construct).toJSON().Resources as Record<string, Json>;
  const found = all[logicalId];
  assert.ok(found, `resource ${logicalId} in the template of ${construct.node.path}`);
  return found;
}

function props(construct: IConstruct, logicalId?: string): Json {
  return resource(construct, logicalId).Properties as Json;
}

const getAtt = (logicalId: string, attribute: string) => ({ 'Fn::GetAtt': [logicalId, attribute] });

/** Every resource of a type, over the parent and the nested stacks. */
function everyResource(type: string): Json[] {
  return bridge.templates().flatMap((t) => Object.values(t.findResources(type)) as Json[]);
}

/** The directory an asset (S3 key `<hash>.zip`) was staged in: what Lambda unpacks. */
function stagedAsset(code: { S3Key: unknown }): string {
  const key = stack.resolve(code.S3Key);
  assert.equal(typeof key, 'string');
  return join(bridge.app.outdir, `asset.${(key as string).replace(/\.zip$/, '')}`);
}

/** The directory a function's code was staged in (what Lambda unpacks to LAMBDA_TASK_ROOT). */
function assetDir(fn: IConstruct): string {
  return stagedAsset(props(fn).Code as { S3Key: unknown });
}

/** The staged directory of the function's one layer (what Lambda unpacks to /opt). */
function layerDir(fn: IConstruct): string {
  const layers = props(fn).Layers as { Ref: string }[];
  assert.equal(layers.length, 1, 'one layer: the config');
  return stagedAsset(props(fn, layers[0]?.Ref).Content as { S3Key: unknown });
}

/** The config a function reads at cold start, read the way it does (lib/runtime/config.ts). */
function functionConfig(fn: IConstruct): { config: BridgeConfig; environment: Record<string, unknown> } {
  const environment = (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
  const env: NodeJS.ProcessEnv = { LAMBDA_TASK_ROOT: assetDir(fn) };
  for (const name of ['BRIDGE_CONFIG_JSON', 'BRIDGE_CONFIG_FILE']) {
    const value = Stack.of(fn).resolve(environment[name]);
    // The SCRAM secret is a name here, so the JSON holds no token and resolves to a plain string.
    if (value !== undefined) env[name] = value as string;
  }
  // The file is in the layer, which Lambda unpacks to /opt: read it from the staged layer.
  assert.equal(env.BRIDGE_CONFIG_FILE, '/opt/bridge-config.json');
  env.BRIDGE_CONFIG_FILE = join(layerDir(fn), 'bridge-config.json');
  return { config: bridgeConfigFromEnv(env), environment };
}

describe('per-route queues', () => {
  for (const [name, timeoutSeconds, receiveCount] of [
    // orders: 10 x 5 s endpoint timeout + 30 s; 6 attempts + margin 5.
    ['orders', 80, 11],
    // payments: 10 x 10 s (default) + 30 s; onPoison 'block' retries forever: SQS's maximum.
    ['payments', 130, 1000],
  ] as const) {
    test(`${name}: high-throughput FIFO queue, SSE, 1 MiB, visibility the deliverer timeout + 50 s, redrive`, () => {
      const route = routeNamed(name);
      const queue = props(route.queue);
      assert.deepEqual(queue, {
        QueueName: `${name}.fifo`,
        FifoQueue: true,
        FifoThroughputLimit: 'perMessageGroupId',
        DeduplicationScope: 'messageGroup',
        SqsManagedSseEnabled: true,
        MaximumMessageSize: 1_048_576,
        MessageRetentionPeriod: 14 * 24 * 3600,
        // A crashed invocation blocks its key groups this long: 3 minutes for the default route.
        VisibilityTimeout: timeoutSeconds + 50,
        RedrivePolicy: {
          deadLetterTargetArn: getAtt(bridge.logicalId(route.redriveQueue), 'Arn'),
          maxReceiveCount: receiveCount,
        },
      });
      const deliver = props(route.deliverFunction);
      assert.equal(deliver.Timeout, timeoutSeconds);
    });

    test(`${name}: FIFO DLQ named from names.ts; the redrive queue hands over to it`, () => {
      const route = routeNamed(name);
      const dlq = props(route.deadLetterQueue);
      assert.equal(dlq.QueueName, `${name}-dlq.fifo`);
      assert.equal(dlq.FifoQueue, true);
      assert.equal(dlq.SqsManagedSseEnabled, true);
      assert.equal(dlq.MaximumMessageSize, 1_048_576);
      const redrive = props(route.redriveQueue);
      assert.equal(redrive.FifoQueue, true);
      assert.deepEqual(redrive.RedrivePolicy, {
        deadLetterTargetArn: getAtt(bridge.logicalId(route.deadLetterQueue), 'Arn'),
        maxReceiveCount: 10,
      });
    });
  }

  test('every queue refuses plain HTTP (enforceSSL)', () => {
    const policies = everyResource('AWS::SQS::QueuePolicy');
    // Three queues per route and the dead-letter events queue.
    assert.equal(policies.length, 7);
    for (const policy of policies) {
      assert.match(JSON.stringify(policy), /"aws:SecureTransport":"false"/);
    }
  });
});

describe('per-route functions', () => {
  test('deliver functions: Node 24 arm64, ESM bundle, route environment', () => {
    for (const route of stack.bridge.routes) {
      const fn = props(route.deliverFunction);
      assert.equal(fn.Runtime, 'nodejs24.x');
      assert.deepEqual(fn.Architectures, ['arm64']);
      assert.equal(fn.Handler, 'index.handler');
      const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      assert.equal(env.ROUTE_NAME, route.route.name);
      assert.deepEqual(env.QUEUE_URL, { Ref: bridge.logicalId(route.queue) });
      // With a failure topic the deliverer's dead letters go through the redrive queue.
      const deadLetters = deliverersDeadLetterQueue(route.route, {
        deadLetter: route.deadLetterQueue,
        redrive: route.redriveQueue,
      });
      assert.deepEqual(env.DEAD_LETTER_QUEUE_URL, { Ref: bridge.logicalId(deadLetters) });
      assert.deepEqual(env.BUCKET_NAME, bridge.ref(stack.bridge.bucket, route));
      assert.deepEqual(env.COMPLETION_TABLE, bridge.ref(stack.bridge.completionTable, route));
      assert.equal(env.POWERTOOLS_METRICS_NAMESPACE, METRICS_NAMESPACE);
      assert.equal(env.NODE_OPTIONS, '--enable-source-maps');
    }
  });

  test('each function gets a config holding only its own route, in its layer, which parses again', () => {
    for (const route of stack.bridge.routes) {
      for (const fn of [route.deliverFunction, route.deadLetterFunction]) {
        const { config, environment } = functionConfig(fn);
        assert.equal(environment.BRIDGE_CONFIG_FILE, '/opt/bridge-config.json');
        assert.deepEqual(config.routes, [route.route]);
      }
      const { config: reparsed } = functionConfig(route.deliverFunction);
      assert.deepEqual(
        reparsed.routes.map((r) => r.name),
        [route.route.name],
      );
      assert.deepEqual(reparsed.routes[0], route.route);
      assert.deepEqual(reparsed.kafka.sasl, { mechanism: 'scram-sha-512', secret: 'kafka/bridge-scram' });
    }
  });

  test('the bundle is ESM with the createRequire banner and a source map', () => {
    const route = routeNamed('orders');
    const dir = assetDir(route.deliverFunction);
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    assert.ok(
      bundle.startsWith(
        "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);\n",
      ),
      'the banner opens the bundle',
    );
    // ESM output: the handler is an ES export (minified, so only its shape is checked).
    assert.match(bundle, /export\s*\{[^}]*as handler\s*\}/);
    assert.ok(existsSync(join(dir, 'index.mjs.map')), 'source map next to the bundle');
  });

  test('event sources: batch 10, maximum concurrency from the route, batch item failures', () => {
    const expected: Record<string, number> = { orders: 20, payments: 3 };
    for (const route of stack.bridge.routes) {
      const routeTemplate = bridge.templateOf(route);
      routeTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: getAtt(bridge.logicalId(route.queue), 'Arn'),
        FunctionName: { Ref: bridge.logicalId(route.deliverFunction) },
        BatchSize: 10,
        // `concurrency`, or derived from deliver.maxCallsInFlight (payments: 30 = 3 x 10).
        ScalingConfig: { MaximumConcurrency: expected[route.route.name] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      routeTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: getAtt(bridge.logicalId(route.redriveQueue), 'Arn'),
        FunctionName: { Ref: bridge.logicalId(route.deadLetterFunction) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const consumer = props(route.deadLetterFunction);
      const env = (consumer.Environment as { Variables: Record<string, unknown> }).Variables;
      // The consumer forwards what it archived to the DLQ, which keeps every dead letter.
      assert.deepEqual(env.FORWARD_QUEUE_URL, { Ref: bridge.logicalId(route.deadLetterQueue) });
    }
  });
});

/** Every IAM statement of the policies attached to the role of `fn`. */
function statementsOf(role: IConstruct): Json[] {
  return statementsIn(bridge.templateOf(role), bridge.logicalId(role));
}

/** Every IAM statement of the policies one template attaches to the role `roleId`. */
function statementsIn(holder: Template, roleId: string): Json[] {
  const policies = holder.findResources('AWS::IAM::Policy') as Record<string, Json>;
  return Object.values(policies)
    .filter((policy) => JSON.stringify((policy.Properties as Json).Roles).includes(`"${roleId}"`))
    .flatMap((policy) => ((policy.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement);
}

function roleOf(route: RouteResources, which: 'deliver' | 'dlq'): IConstruct {
  const fn = which === 'deliver' ? route.deliverFunction : route.deadLetterFunction;
  assert.ok(fn.role, 'function has a role');
  return fn.role;
}

describe('IAM: each route reaches only its own resources', () => {
  const orders = routeNamed('orders');
  const payments = routeNamed('payments');

  for (const [own, other] of [
    [orders, payments],
    [payments, orders],
  ] as const) {
    for (const which of ['deliver', 'dlq'] as const) {
      test(`${own.route.name} ${which}: nothing of route ${other.route.name}`, () => {
        const text = JSON.stringify(statementsOf(roleOf(own, which)));
        // The route's stack gets only shared resources from the parent, never a nested stack's
        // output: no reference to another route's queues can reach its policies.
        const passed = JSON.stringify(
          bridge.templateOf(own.node.scope as IConstruct).toJSON().Parameters ?? {},
        );
        const parameters = props(Stack.of(own).nestedStackResource as IConstruct).Parameters;
        assert.ok(!JSON.stringify(parameters).includes('Outputs.'), `${passed} holds no route output`);
        assert.ok(!text.includes(`/${other.route.name}/`), `no S3 prefix of ${other.route.name}`);
        assert.ok(!text.includes(`"${other.route.name}#`), `no table items of ${other.route.name}`);
        assert.ok(!text.includes('payments-handler') || own.route.name === 'payments', 'no other endpoint');
        // ...and what it needs of its own route.
        const sendsTo =
          which === 'deliver'
            ? deliverersDeadLetterQueue(own.route, {
                deadLetter: own.deadLetterQueue,
                redrive: own.redriveQueue,
              })
            : own.deadLetterQueue;
        assert.ok(text.includes(`"${bridge.logicalId(sendsTo)}"`), 'sends to its own DLQ (or redrive queue)');
        // The DLQ consumer archives the message as it came: it reads claim checks only to write
        // the value to the route's failure topic.
        const readsPayloads = which === 'deliver' || own.route.deadLetter !== undefined;
        assert.equal(text.includes(`/payloads/${own.route.name}/*`), readsPayloads, 'payloads read');
        assert.ok(text.includes(`/archive/${own.route.name}/*`), 'writes its own archive');
      });
    }

    // Which actions on which keys is checked against the calls the functions really make
    // (test/integration/iam-recorded-calls.test.ts); here, what must hold of any grant.
    test(`${own.route.name}: every table grant is limited to the route's own partition keys`, () => {
      const tableArn = JSON.stringify(bridge.att(stack.bridge.completionTable, 'Arn', own));
      for (const which of ['deliver', 'dlq'] as const) {
        const onTable = statementsOf(roleOf(own, which)).filter(
          (s) => JSON.stringify(s.Resource) === tableArn,
        );
        assert.ok(onTable.length > 0, `${which} has table grants`);
        for (const statement of onTable) {
          const keys = (statement.Condition as { 'ForAllValues:StringLike'?: Json } | undefined)?.[
            'ForAllValues:StringLike'
          ]?.['dynamodb:LeadingKeys'] as string[] | undefined;
          assert.ok(
            keys !== undefined && keys.length > 0,
            `${which}: ${JSON.stringify(statement)} has no leading keys`,
          );
          for (const key of keys) {
            // `<kind>#<route>` or `<kind>#<route>#*` (lib/completion/table.ts): never a
            // pattern another route or another kind matches.
            assert.match(key, new RegExp(`^[a-z]+#${own.route.name}(#\\*)?$`), `${which}: key ${key}`);
          }
        }
      }
    });

    test(`${own.route.name}: reads its own ledger state, never writes it`, () => {
      for (const fn of ['deliver', 'dlq'] as const) {
        const state = statementsOf(roleOf(own, fn)).filter((s) =>
          JSON.stringify(s.Condition ?? {}).includes(`"lease#${own.route.name}"`),
        );
        assert.equal(state.length, 1, `${fn}: one statement on the state item`);
        assert.deepEqual([state[0]?.Action].flat(), ['dynamodb:GetItem'], `${fn}: GetItem only`);
      }
    });
  }

  test('no role reaches the table without leading keys, and none may Scan', () => {
    // ForAllValues over no key at all is true in IAM: a Scan (no leading key) would pass the
    // condition and read every route's items.
    // The table's ARN as each template holds it: in a route's nested stack, a parameter.
    const onTable = bridge.templates().flatMap((t) => {
      const owner =
        t === template ? stack : (stack.bridge.routes.find((r) => bridge.templateOf(r) === t) ?? stack);
      const tableArn = JSON.stringify(bridge.att(stack.bridge.completionTable, 'Arn', owner));
      return (Object.values(t.findResources('AWS::IAM::Policy')) as Json[])
        .flatMap((policy) => ((policy.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement)
        .filter((statement) => JSON.stringify(statement.Resource).includes(tableArn))
        .map((statement) => ({ statement, tableArn }));
    });
    assert.ok(onTable.length >= 5, 'deliverers, DLQ consumers and the commit function reach the table');
    for (const { statement, tableArn } of onTable) {
      assert.equal(JSON.stringify(statement.Resource), tableArn, 'the table alone, no index or wildcard');
      assert.ok(
        !JSON.stringify(statement.Action).includes('Scan'),
        `Scan granted: ${JSON.stringify(statement)}`,
      );
      assert.ok(
        JSON.stringify(statement.Condition).includes('dynamodb:LeadingKeys'),
        JSON.stringify(statement),
      );
    }
  });

  test('orders deliverer reads its headers secret; payments deliverer invokes exactly its Lambda', () => {
    const ordersText = JSON.stringify(statementsOf(roleOf(orders, 'deliver')));
    assert.match(ordersText, /secret:orders\/api-key-\?\?\?\?\?\?/);
    const invoke = statementsOf(roleOf(payments, 'deliver')).find(
      (s) => s.Action === 'lambda:InvokeFunction',
    );
    assert.deepEqual(invoke?.Resource, 'arn:aws:lambda:eu-west-1:123456789012:function:payments-handler');
    assert.ok(!JSON.stringify(statementsOf(roleOf(payments, 'deliver'))).includes('orders/api-key'));
  });
});

describe('shared resources', () => {
  test('completions table matches lib/completion/table.ts: keys, on demand, TTL, NEW_IMAGE stream', () => {
    const expected = completionTableDefinition('x');
    const table = resource(stack.bridge.completionTable);
    assert.equal(table.DeletionPolicy, 'Retain');
    const p = table.Properties as Json;
    assert.deepEqual(p.KeySchema, expected.KeySchema);
    assert.deepEqual(p.AttributeDefinitions, expected.AttributeDefinitions);
    assert.equal(p.BillingMode, expected.BillingMode);
    assert.deepEqual(p.StreamSpecification, { StreamViewType: 'NEW_IMAGE' });
    assert.deepEqual(p.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
  });

  test('commit function: reserved concurrency 1, in the VPC, stream trigger with a batching window, every-minute rule', () => {
    const commitId = bridge.logicalId(stack.bridge.commitFunction);
    const commitFn = stack.bridge.commitFunction;
    const fn = props(commitFn);
    assert.equal(fn.ReservedConcurrentExecutions, 1);
    assert.equal(fn.Runtime, 'nodejs24.x');
    assert.ok(fn.VpcConfig, 'in the VPC to reach Kafka');
    const { config, environment: env } = functionConfig(commitFn);
    assert.deepEqual(env.COMPLETION_TABLE, { Ref: bridge.logicalId(stack.bridge.completionTable) });
    // Every route, from the file bundled with the code; the environment keeps the Kafka section only.
    assert.deepEqual(config.routes, stack.bridge.config.routes);
    assert.deepEqual(Object.keys(JSON.parse(stack.resolve(env.BRIDGE_CONFIG_JSON) as string)), ['kafka']);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: commitId },
      EventSourceArn: getAtt(bridge.logicalId(stack.bridge.completionTable), 'StreamArn'),
      // 1 s: chosen with bench:commit (docs/benchmarks.md, Commit latency and the commit cadence).
      MaximumBatchingWindowInSeconds: 1,
      StartingPosition: 'LATEST',
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: getAtt(commitId, 'Arn') })],
    });
  });

  test('each function writes logs to its own log group only: no managed execution policy', () => {
    let checked = 0;
    for (const holder of bridge.templates())
      for (const [id, fn] of Object.entries(
        holder.findResources('AWS::Lambda::Function') as Record<string, Json>,
      )) {
        const roles = holder.findResources('AWS::IAM::Role') as Record<string, Json>;
        const p = fn.Properties as Json;
        const logGroup = (p.LoggingConfig as { LogGroup?: { Ref: string } } | undefined)?.LogGroup?.Ref;
        assert.ok(logGroup, `${id} has its own log group`);
        const roleId = (p.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        assert.equal(
          (roles[roleId]?.Properties as Json | undefined)?.ManagedPolicyArns,
          undefined,
          `${id}: no managed policy`,
        );
        const logStatements = statementsIn(holder, roleId).filter((st) =>
          JSON.stringify(st.Action).includes('logs:'),
        );
        assert.deepEqual(logStatements, [
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: getAtt(logGroup, 'Arn'),
          },
        ]);
        checked++;
      }
    assert.ok(checked >= 6, `functions checked: ${checked}`);
  });

  test('bucket: versioned, noncurrent versions expire; encrypted, public access blocked, TLS only, lifecycle per prefix', () => {
    const bucketId = bridge.logicalId(stack.bridge.bucket);
    const bucket = resource(stack.bridge.bucket);
    assert.equal(bucket.DeletionPolicy, 'Retain');
    const p = bucket.Properties as Json;
    assert.deepEqual(p.BucketEncryption, {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    assert.deepEqual(p.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(p.VersioningConfiguration, { Status: 'Enabled' });
    assert.deepEqual(p.LifecycleConfiguration, {
      Rules: [
        {
          Id: 'noncurrent-versions',
          NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS },
          ExpiredObjectDeleteMarker: true,
          Status: 'Enabled',
        },
        {
          Id: 'payloads',
          Prefix: 'payloads/',
          ExpirationInDays: 15,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        },
        {
          Id: 'archive',
          Prefix: 'archive/',
          ExpirationInDays: 400,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        },
      ],
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('poller: Fargate service from the repo Dockerfile, health check, sizing, lag scaling', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    const taskDefs = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as Json[];
    assert.equal(taskDefs.length, 1);
    const task = taskDefs[0]?.Properties as Json;
    assert.equal(task.Cpu, '1024');
    assert.equal(task.Memory, '2048');
    const [container] = task.ContainerDefinitions as Json[];
    assert.ok(container);
    assert.equal(container.ReadonlyRootFilesystem, true);
    assert.deepEqual((container.HealthCheck as Json).Command, [
      'CMD',
      'node',
      '-e',
      "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
    ]);
    const env = Object.fromEntries(
      (container.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
    );
    assert.deepEqual(env.BRIDGE_PAYLOAD_BUCKET, { Ref: bridge.logicalId(stack.bridge.bucket) });
    assert.equal(env.HEALTH_PORT, '8080');
    assert.deepEqual(
      parseBridgeConfig(JSON.parse(stack.resolve(env.BRIDGE_CONFIG_JSON) as string)).routes.map(
        (r) => r.name,
      ),
      ['orders', 'payments'],
    );
    // The image context is the poller bundle and the repository's Dockerfile, staged at synth
    // (no Docker needed); the Dockerfile copies the bundle, nothing else.
    const assets = JSON.parse(readFileSync(join(bridge.app.outdir, 'TestBridge.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string } }>;
    };
    const images = Object.values(assets.dockerImages);
    assert.equal(images.length, 1);
    const staged = join(bridge.app.outdir, images[0]?.source.directory ?? '');
    assert.equal(
      readFileSync(join(staged, 'Dockerfile'), 'utf8'),
      readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'),
    );
    assert.deepEqual(readdirSync(staged).sort(), ['Dockerfile', 'index.mjs', 'index.mjs.map']);

    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 6,
    });
    // Step scaling alarms on the largest route lag, one bridge-level series whatever the routes.
    const lagAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      JSON.stringify(alarm).includes('FILL(largest, 0)'),
    );
    assert.equal(lagAlarms.length, 2, 'scale-out and scale-in alarms');
    for (const alarm of lagAlarms) {
      const metrics = (alarm.Properties as { Metrics: { MetricStat?: { Metric: Json; Stat: string } }[] })
        .Metrics;
      const stats = metrics.flatMap((m) => (m.MetricStat === undefined ? [] : [m.MetricStat]));
      assert.deepEqual(stats, [
        {
          Metric: {
            Namespace: METRICS_NAMESPACE,
            MetricName: METRIC.commitLargestRouteLag,
            Dimensions: [{ Name: 'service', Value: SERVICE.commit }],
          },
          Period: 60,
          Stat: 'Maximum',
        },
      ]);
    }
  });

  test('poller IAM: send to every route queue, payload prefixes only, the Kafka secret', () => {
    const text = JSON.stringify(statementsOf(stack.bridge.poller.taskRole));
    for (const route of stack.bridge.routes) {
      // The route's queues live in its nested stack: the parent reads their ARNs from its outputs.
      const queueArn = JSON.stringify(bridge.att(route.queue, 'Arn', stack));
      assert.ok(text.includes(queueArn), `sends to ${route.route.name}'s queue`);
      // Outputs of the route's DLQ (the dashboard reads its name) never reach the poller's policy.
      const outputs = (bridge.templateOf(route).toJSON().Outputs ?? {}) as Record<string, { Value: unknown }>;
      for (const [name, output] of Object.entries(outputs)) {
        if (!JSON.stringify(output.Value).includes(`"${bridge.logicalId(route.deadLetterQueue)}"`)) continue;
        assert.ok(!text.includes(`"Outputs.${name}"`), `no ${name} in the poller's policy`);
      }
      assert.ok(text.includes(`/payloads/${route.route.name}/*`));
      assert.ok(!text.includes(`/archive/${route.route.name}/`));
    }
    assert.match(text, /secret:kafka\/bridge-scram-\?\?\?\?\?\?/);
    assert.ok(!text.includes('dynamodb'), 'the poller does not touch the completions table');
  });

  test('notifier: alarm topic (TLS only) and batched dead-letter events in, Discord secrets read', () => {
    const topicId = bridge.logicalId(stack.bridge.alarmTopic);
    const notifyId = bridge.logicalId(stack.bridge.notifyFunction);
    const notifyFn = stack.bridge.notifyFunction;
    // Every route (their own webhooks), from the file bundled with the code.
    assert.deepEqual(functionConfig(notifyFn).config.routes, stack.bridge.config.routes);
    // Who may announce each route's dead letters: each route stack writes its deliverer's and DLQ
    // consumer's role ids to its own parameter under the path the notifier reads, and the
    // notifier may read that path only.
    const path = functionConfig(notifyFn).environment.BRIDGE_EVENT_SENDERS_PATH;
    assert.equal(path, `/${stack.stackName}/event-senders`);
    for (const name of ['orders', 'payments']) {
      const own = routeNamed(name);
      const parameters = Template.fromStack(Stack.of(own)).findResources('AWS::SSM::Parameter');
      const [parameter, ...others] = Object.values(parameters) as { Properties: Json }[];
      assert.equal(others.length, 0, `${name}: one sender parameter`);
      assert.equal(parameter?.Properties.Name, `${path}/${name}`);
      const value = JSON.stringify(parameter?.Properties.Value);
      for (const which of ['deliver', 'dlq'] as const) {
        const roleAttr = JSON.stringify(bridge.att(roleOf(own, which), 'RoleId', own));
        assert.ok(value.includes(roleAttr), `${name} ${which} role id in its parameter: ${value}`);
      }
    }
    const ssmGrants = statementsOf(notifyFn.role as IConstruct).filter((s) =>
      JSON.stringify(s.Action).includes('ssm:'),
    );
    assert.deepEqual(
      ssmGrants.map((s) => s.Action),
      ['ssm:GetParameter'],
    );
    assert.match(JSON.stringify(ssmGrants[0]?.Resource), new RegExp(`:parameter${path}/\\*"`));
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId },
      Endpoint: getAtt(notifyId, 'Arn'),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: notifyId },
      EventSourceArn: getAtt(bridge.logicalId(stack.bridge.deadLetterEvents), 'Arn'),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 30,
    });
    const fn = props(notifyFn);
    assert.equal(fn.Runtime, 'nodejs24.x');
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    assert.match(
      JSON.stringify(stack.resolve(env.DISCORD_WEBHOOK_SECRET_ARN)),
      /secret:kafka-bridge\/discord-webhook/,
    );
    const text = JSON.stringify(statementsOf(stack.bridge.notifyFunction.role as IConstruct));
    assert.match(text, /secret:kafka-bridge\/discord-webhook-\?\?\?\?\?\?/);
    assert.match(text, /secret:orders\/discord-webhook-\?\?\?\?\?\?/);
  });

  test('route functions publish dead-letter events; the team webhook is not theirs to read', () => {
    for (const route of stack.bridge.routes) {
      const events = bridge.ref(stack.bridge.deadLetterEvents, route) as { Ref: string };
      const eventsArn = bridge.att(stack.bridge.deadLetterEvents, 'Arn', route) as { Ref: string };
      for (const which of ['deliver', 'dlq'] as const) {
        const fn = which === 'deliver' ? route.deliverFunction : route.deadLetterFunction;
        const env = (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
        assert.deepEqual(env.DEAD_LETTER_EVENTS_QUEUE_URL, events);
        const text = JSON.stringify(statementsOf(roleOf(route, which)));
        assert.ok(text.includes(`"${eventsArn.Ref}"`), 'may send dead-letter events');
        assert.ok(!text.includes('discord-webhook'), 'no Discord secret');
      }
    }
  });
});

describe('stack outputs', () => {
  test('security group to allow on the brokers, alarm topic, bucket, table', () => {
    template.hasOutput('KafkaClientSecurityGroupId', {
      Value: getAtt(bridge.logicalId(stack.bridge.kafkaClientSecurityGroup), 'GroupId'),
    });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: bridge.logicalId(stack.bridge.alarmTopic) } });
    template.hasOutput('BucketName', { Value: { Ref: bridge.logicalId(stack.bridge.bucket) } });
    template.hasOutput('CompletionTableName', {
      Value: { Ref: bridge.logicalId(stack.bridge.completionTable) },
    });
  });
});

describe('alarms and dashboard', () => {
  const topicRef = (route: RouteResources) => bridge.ref(stack.bridge.alarmTopic, route);

  function alarmOf(route: RouteResources, id: string): Json {
    const construct = route.node.findChild(id);
    return props(construct);
  }

  for (const name of ['orders', 'payments']) {
    test(`${name}: every alarm (DLQ, age, lag, errors, heartbeat, stuck) notifies the topic on alarm and OK`, () => {
      const route = routeNamed(name);
      const ids = [
        'DeadLetterQueueNotEmpty',
        'OldestMessageAge',
        'CommitLagRising',
        'DeliverErrors',
        'DeadLetterErrors',
        'PollerHeartbeatMissing',
        'StuckPartition',
      ];
      for (const id of ids) {
        const alarm = alarmOf(route, id);
        assert.equal(alarm.AlarmName, `TestBridge-${name}-${id}`);
        assert.ok(
          String(alarm.AlarmDescription).startsWith(`Route ${name}: `),
          'the notifier reads the route from it',
        );
        assert.deepEqual(alarm.AlarmActions, [topicRef(route)], `${id} alarm action`);
        assert.deepEqual(alarm.OKActions, [topicRef(route)], `${id} OK action`);
      }
      const dlq = alarmOf(route, 'DeadLetterQueueNotEmpty');
      assert.equal(dlq.MetricName, 'ApproximateNumberOfMessagesVisible');
      assert.deepEqual(dlq.Dimensions, [
        { Name: 'QueueName', Value: getAtt(bridge.logicalId(route.deadLetterQueue), 'QueueName') },
      ]);
      assert.equal(dlq.Threshold, 1);

      const age = alarmOf(route, 'OldestMessageAge');
      assert.equal(age.MetricName, 'ApproximateAgeOfOldestMessage');
      // attempts x maxMs (15 min default): the whole retry schedule.
      assert.equal(age.Threshold, route.route.retry.attempts * 900);

      const lag = JSON.stringify(alarmOf(route, 'CommitLagRising'));
      assert.match(lag, /DIFF\(lag\)/);
      assert.ok(lag.includes(`"MetricName":"${METRIC.commitLag}"`));
      assert.ok(lag.includes(`{"Name":"route","Value":"${name}"}`));
      // Powertools puts the publisher's service name on every EMF record: the alarm must name it.
      assert.ok(lag.includes(`{"Name":"service","Value":"${SERVICE.commit}"}`));
      assert.equal(alarmOf(route, 'CommitLagRising').EvaluationPeriods, 15);

      const heartbeat = alarmOf(route, 'PollerHeartbeatMissing');
      assert.equal(heartbeat.MetricName, METRIC.pollerHeartbeat);
      assert.equal(heartbeat.Statistic, 'Maximum');
      assert.equal(heartbeat.ComparisonOperator, 'LessThanThreshold');
      assert.deepEqual(heartbeat.Dimensions, [
        { Name: 'route', Value: name },
        { Name: 'service', Value: SERVICE.poller },
      ]);
      assert.equal(heartbeat.Namespace, METRICS_NAMESPACE);
      assert.equal(heartbeat.TreatMissingData, 'breaching');

      const deliverErrors = alarmOf(route, 'DeliverErrors');
      assert.equal(deliverErrors.MetricName, 'Errors');
      assert.deepEqual(deliverErrors.Dimensions, [
        { Name: 'FunctionName', Value: { Ref: bridge.logicalId(route.deliverFunction) } },
      ]);

      const stuck = JSON.stringify(alarmOf(route, 'StuckPartition'));
      assert.ok(stuck.includes(METRIC.commitWaiting) && stuck.includes(METRIC.commitLag));
    });
  }

  test('a decoding route alarms on partitions its registry holds; a route without decode has no such alarm', () => {
    const payments = routeNamed('payments');
    assert.ok(payments.route.decode !== undefined, 'payments decodes (two-route-app.ts)');
    const held = alarmOf(payments, 'RegistryUnavailable');
    assert.equal(held.AlarmName, 'TestBridge-payments-RegistryUnavailable');
    assert.ok(String(held.AlarmDescription).startsWith('Route payments: '));
    assert.equal(held.MetricName, METRIC.pollerRegistryHeld);
    assert.equal(held.Namespace, METRICS_NAMESPACE);
    assert.deepEqual(held.Dimensions, [
      { Name: 'route', Value: 'payments' },
      { Name: 'service', Value: SERVICE.poller },
    ]);
    assert.equal(held.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.equal(held.Threshold, 1);
    assert.equal(held.TreatMissingData, 'notBreaching', 'a silent poller is the heartbeat alarm');
    assert.deepEqual(held.AlarmActions, [topicRef(payments)]);
    assert.deepEqual(held.OKActions, [topicRef(payments)]);
    assert.equal(routeNamed('orders').node.tryFindChild('RegistryUnavailable'), undefined);
  });

  test('dashboards: the shared one (commit, poller) and a page with a row per route', () => {
    const shared = JSON.stringify(props(stack.bridge.dashboard));
    assert.ok(shared.includes('commit function') && shared.includes('poller'));
    assert.equal(stack.bridge.routeDashboards.length, 1, 'two routes fit one page');
    const [page] = stack.bridge.routeDashboards;
    assert.ok(page);
    const body = JSON.stringify(props(page));
    assert.ok(body.includes('## Route orders') && body.includes('## Route payments'));
    // Each route's row shows the poller stages it has: orders filters, payments decodes.
    const rows = body.split('## Route ');
    const row = (name: string) => rows.find((r) => r.startsWith(name)) ?? '';
    assert.ok(
      row('orders').includes(METRIC.pollerFiltered) && !row('orders').includes(METRIC.pollerRegistryHeld),
    );
    assert.ok(
      row('payments').includes(METRIC.pollerRegistryHeld) && !row('payments').includes(METRIC.pollerFiltered),
    );
    // The page reads the route stacks' queue and function names through its parameters.
    assert.equal(everyResource('AWS::CloudWatch::Dashboard').length, 2);
  });
});

describe('checks over the synthesized app', () => {
  test('cdk-nag AwsSolutions: no finding left unacknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(bridge.app);
    const left = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    assert.deepEqual(left, []);
    assert.equal(report.success, true);
  });

  test('every acknowledgment carries a reason', () => {
    const reasons: string[] = [];
    const visit = (construct: IConstruct): void => {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const reason of Object.values(entry.data as Record<string, string>)) reasons.push(reason);
      }
      for (const child of construct.node.children) visit(child);
    };
    visit(bridge.app);
    assert.ok(reasons.length > 10, `found ${reasons.length} acknowledgments`);
    for (const reason of reasons) assert.ok(reason.length >= 40, `reason too short: ${reason}`);
  });

  const cfnLint = join(REPO_ROOT, '.run', 'venv', 'bin', 'cfn-lint');
  test('cfn-lint passes on the synthesized templates (the parent and each route stack)', () => {
    // cfn-lint is pinned in scripts/aws-emulator/requirements.txt and installed with the emulators.
    assert.ok(existsSync(cfnLint), `${cfnLint} is missing: run \`npm run infra:up\` (it installs cfn-lint)`);
    const files = bridge.templates().map((t, index) => {
      const file = join(bridge.app.outdir, `cfn-lint-input-${index}.template.json`);
      writeFileSync(file, JSON.stringify(t.toJSON(), null, 1));
      return file;
    });
    assert.equal(files.length, 1 + stack.bridge.routes.length + stack.bridge.routeDashboards.length);
    // W3005: CDK itself adds DependsOn on a Lambda's service role next to the GetAtt of it.
    const run = spawnSync(cfnLint, ['--ignore-checks', 'W3005', '--', ...files], { encoding: 'utf8' });
    assert.equal(run.status, 0, `cfn-lint:\n${run.stdout}${run.stderr}`);
  });
});
