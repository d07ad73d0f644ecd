import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, type CfnResource, type IResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BridgeStack } from '../../../cdk/lib/bridge-stack.ts';
import { type MskGrant, mskGrants } from '../../../cdk/lib/msk-iam.ts';
import { parseBridgeConfig, type RouteInput } from '../../../lib/config/index.ts';

/*
 * MSK IAM: the synthesized template grants each role exactly the kafka-cluster actions the
 * Kafka APIs it sends need (lib/kafka/apis.ts x cdk/lib/msk-iam.ts), on exactly its cluster,
 * topic and group ARNs; no other role gets any. Functions are not bundled (bundling-stacks: []).
 */

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/bridge/0a1b2c3d-1111-2222-3333-444455556666-7';
const UNDER = 'arn:aws:kafka:eu-west-1:123456789012';
const ID = 'bridge/0a1b2c3d-1111-2222-3333-444455556666-7';
const ROUTES: RouteInput[] = [
  {
    name: 'orders',
    topics: ['orders'],
    groupPrefix: 'team-a.',
    endpoint: { type: 'http', url: 'https://orders.example.com/kafka' },
  },
  {
    name: 'payments',
    topics: ['payments', 'refunds'],
    endpoint: { type: 'http', url: 'https://payments.example.com/kafka' },
    deadLetter: { kafkaTopic: 'payments.failed' },
  },
];
const config = { kafka: { brokers: ['b-1.msk.example.com:9098'], ssl: true }, routes: ROUTES };

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new BridgeStack(app, 'MskBridge', {
  bridge: { config, kafka: { auth: { kind: 'msk-iam', clusterArn: CLUSTER } }, limits: { groupPrefix: '' } },
});
const template = Template.fromStack(stack);
const roleId = (role: IResource | undefined): string => {
  assert.ok(role !== undefined);
  return stack.getLogicalId(role.node.defaultChild as CfnResource);
};
const ROLES = {
  poller: roleId(stack.bridge.poller.taskRole),
  committer: roleId(stack.bridge.commitFunction.role),
};

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every kafka-cluster (action, resource) the template's policies grant, per role logical id. */
function templateGrants(of: Template = template): Map<string, string[]> {
  const byRole = new Map<string, string[]>();
  for (const policy of Object.values(of.findResources('AWS::IAM::Policy'))) {
    const props = policy.Properties as {
      Roles: { Ref: string }[];
      PolicyDocument: { Statement: Statement[] };
    };
    for (const statement of props.PolicyDocument.Statement) {
      const actions = [statement.Action].flat().filter((a) => a.startsWith('kafka-cluster:'));
      if (actions.length === 0) continue;
      assert.equal(statement.Effect, 'Allow');
      const resources = [statement.Resource].flat();
      for (const resource of resources)
        assert.equal(typeof resource, 'string', `a literal ARN: ${JSON.stringify(resource)}`);
      for (const { Ref } of props.Roles) {
        const grants = byRole.get(Ref) ?? [];
        for (const action of actions)
          for (const resource of resources) grants.push(`${action} ${String(resource)}`);
        byRole.set(Ref, grants);
      }
    }
  }
  return byRole;
}

const key = (grants: readonly MskGrant[]) =>
  [...new Set(grants.map((g) => `${g.action} ${g.resource}`))].sort();
const routes = parseBridgeConfig(config).routes;

describe('MSK IAM grants in the synthesized template', () => {
  const granted = templateGrants();

  test('only the poller task role and the commit function role get kafka-cluster actions', () => {
    assert.deepEqual([...granted.keys()].sort(), Object.values(ROLES).sort());
  });

  for (const role of ['poller', 'committer'] as const) {
    test(`the ${role} role holds exactly what its Kafka APIs need, per resource`, () => {
      assert.deepEqual([...new Set(granted.get(ROLES[role]))].sort(), key(mskGrants(role, CLUSTER, routes)));
    });
  }

  // What the issue found missing, checked against AWS's documented requirements directly.
  test('the commit role may commit to the progress groups: AlterGroup there, ReadData on the topics', () => {
    const grants = new Set(granted.get(ROLES.committer));
    for (const group of ['team-a.orders', 'payments']) {
      assert.ok(grants.has(`kafka-cluster:AlterGroup ${UNDER}:group/${ID}/${group}`), group);
      assert.ok(grants.has(`kafka-cluster:DescribeGroup ${UNDER}:group/${ID}/${group}`), group);
    }
    for (const topic of ['orders', 'payments', 'refunds']) {
      assert.ok(grants.has(`kafka-cluster:ReadData ${UNDER}:topic/${ID}/${topic}`), topic);
    }
    assert.ok(
      !grants.has(`kafka-cluster:AlterGroup ${UNDER}:group/${ID}/team-a.orders.pollers`),
      'never joins',
    );
  });

  test('the poller joins its membership group and commits chain starts to the progress group', () => {
    const grants = new Set(granted.get(ROLES.poller));
    assert.ok(grants.has(`kafka-cluster:AlterGroup ${UNDER}:group/${ID}/team-a.orders.pollers`));
    assert.ok(grants.has(`kafka-cluster:AlterGroup ${UNDER}:group/${ID}/team-a.orders`));
    assert.ok(grants.has(`kafka-cluster:ReadData ${UNDER}:topic/${ID}/refunds`));
    assert.ok(grants.has(`kafka-cluster:Connect ${CLUSTER}`));
    assert.ok(![...grants].some((g) => g.startsWith('kafka-cluster:WriteData')), 'never writes records');
  });
});

describe('MSK IAM grants of a failure topic (deadLetter.kafkaTopic)', () => {
  const [orders, payments] = stack.bridge.routes;
  assert.ok(orders && payments);
  const nested = (resources: typeof orders) => Template.fromStack(Stack.of(resources));
  const dlqRole = (resources: typeof orders) =>
    Stack.of(resources).getLogicalId(resources.deadLetterFunction.role?.node.defaultChild as CfnResource);

  test("the route's DLQ consumer holds exactly what writing its failure topic needs, in the VPC", () => {
    const granted = templateGrants(nested(payments));
    assert.deepEqual([...granted.keys()], [dlqRole(payments)], 'no other role of the route');
    const route = routes.find((r) => r.name === 'payments');
    assert.ok(route);
    assert.deepEqual(
      [...new Set(granted.get(dlqRole(payments)))].sort(),
      key(mskGrants('dead-letter-writer', CLUSTER, [route])),
    );
    const grants = new Set(granted.get(dlqRole(payments)));
    assert.ok(grants.has(`kafka-cluster:WriteData ${UNDER}:topic/${ID}/payments.failed`));
    assert.ok(grants.has(`kafka-cluster:WriteDataIdempotently ${CLUSTER}`));
    assert.ok(
      ![...grants].some((g) => g.includes(':topic/') && !g.endsWith('/payments.failed')),
      'its topic only',
    );
    nested(payments).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'kafka-bridge-dlq' } },
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
  });

  test('cdk-nag AwsSolutions: nothing unacknowledged about the DLQ consumer in the VPC', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const left = report.violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
      .filter((finding) => finding.includes('/DeadLetter/'));
    assert.deepEqual(left, []);
  });

  test('a route without one: no Kafka grant, no VPC for its DLQ consumer', () => {
    assert.deepEqual([...templateGrants(nested(orders)).keys()], []);
    const functions = nested(orders).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'kafka-bridge-dlq' } } },
    });
    assert.equal(Object.values(functions)[0]?.Properties.VpcConfig, undefined);
  });
});

// The secret-based auth kinds from the config: mTLS, and SASL/PLAIN (which follows SCRAM's path).
const SECRET_AUTH = [
  {
    name: 'mTLS',
    id: 'MtlsBridge',
    secret: 'kafka/bridge-mtls',
    kafka: { brokers: ['b-1.msk.example.com:9094'], ssl: true, mtls: { secret: 'kafka/bridge-mtls' } },
    runtime: (kafka: Record<string, unknown>) => kafka.mtls,
    expected: { secret: 'kafka/bridge-mtls' },
  },
  {
    name: 'SASL/PLAIN',
    id: 'PlainBridge',
    secret: 'kafka/bridge-plain',
    kafka: {
      brokers: ['pkc-1.eu-west-1.aws.confluent.cloud:9092'],
      ssl: true,
      sasl: { mechanism: 'plain' as const, secret: 'kafka/bridge-plain' },
    },
    runtime: (kafka: Record<string, unknown>) => kafka.sasl,
    expected: { mechanism: 'plain', secret: 'kafka/bridge-plain' },
  },
];

for (const auth of SECRET_AUTH)
  describe(`${auth.name} from the config`, () => {
    const mtlsApp = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const mtlsStack = new BridgeStack(mtlsApp, auth.id, {
      bridge: { config: { kafka: auth.kafka, routes: ROUTES }, limits: { groupPrefix: '' } },
    });
    const mtls = Template.fromStack(mtlsStack);
    const json = JSON.stringify(mtls.toJSON());

    test('the poller and the commit function get the secret in their config, which they read at run time', () => {
      const commit = mtls.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'kafka-bridge-commit' } } },
      });
      const commitConfig = Object.values(commit)[0]?.Properties.Environment.Variables
        .BRIDGE_CONFIG_JSON as string;
      assert.deepEqual(auth.runtime(JSON.parse(commitConfig).kafka), auth.expected);
      const [task] = Object.values(mtls.findResources('AWS::ECS::TaskDefinition'));
      const env = (task?.Properties.ContainerDefinitions[0].Environment ?? []) as {
        Name: string;
        Value: unknown;
      }[];
      const pollerConfig = env.find((e) => e.Name === 'BRIDGE_CONFIG_JSON')?.Value;
      assert.equal(typeof pollerConfig, 'string');
      assert.deepEqual(auth.runtime(JSON.parse(pollerConfig as string).kafka), auth.expected);
      assert.doesNotMatch(json, /KAFKA_MTLS_SECRET_ARN/, 'no variable that nothing reads');
    });

    test('both roles may read the secret', () => {
      const readers = new Set<string>();
      for (const policy of Object.values(mtls.findResources('AWS::IAM::Policy'))) {
        for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
          const actions = [statement.Action].flat();
          if (
            actions.includes('secretsmanager:GetSecretValue') &&
            JSON.stringify(statement.Resource).includes(auth.secret)
          ) {
            for (const { Ref } of policy.Properties.Roles as { Ref: string }[]) readers.add(Ref);
          }
        }
      }
      const id = (role: IResource | undefined) =>
        mtlsStack.getLogicalId(role?.node.defaultChild as CfnResource);
      assert.ok(readers.has(id(mtlsStack.bridge.poller.taskRole)), 'the poller task role');
      assert.ok(readers.has(id(mtlsStack.bridge.commitFunction.role)), 'the commit function role');
    });
  });
