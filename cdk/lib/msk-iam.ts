import { Arn, ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { membershipGroupId, progressGroupId, type Route } from '../../lib/config/index.ts';
import {
  KAFKA_APIS,
  type KafkaApi,
  type KafkaClientRole,
  type RouteGroup,
  roleTopics,
} from '../../lib/kafka/apis.ts';

/** The MSK resource an action applies to. */
export type MskResource = 'cluster' | 'topic' | 'group';

/** A `kafka-cluster:` action (without the prefix) on one kind of resource. */
export type MskPermission = readonly [resource: MskResource, action: string];

/**
 * What MSK IAM checks for each Kafka API the bridge sends. MSK's actions are its names for
 * Kafka's ACL operations ("Semantics of IAM authorization policy actions and resources" in the
 * MSK developer guide: DescribeTopic = DESCRIBE TOPIC, ReadData = READ TOPIC, DescribeGroup =
 * DESCRIBE GROUP, AlterGroup = READ GROUP), and each API needs the ACL operations Kafka's
 * authorizer checks for it (Kafka's "Operations and Resources on Protocols" table). Connect on
 * the cluster is needed by every connection and added for every role.
 */
export const MSK_PERMISSIONS: Readonly<Record<KafkaApi, readonly MskPermission[]>> = {
  ApiVersions: [],
  SaslHandshake: [],
  SaslAuthenticate: [],
  Metadata: [['topic', 'DescribeTopic']],
  ListOffsets: [['topic', 'DescribeTopic']],
  Fetch: [['topic', 'ReadData']],
  FindCoordinator: [['group', 'DescribeGroup']],
  JoinGroup: [['group', 'AlterGroup']],
  SyncGroup: [['group', 'AlterGroup']],
  Heartbeat: [['group', 'AlterGroup']],
  LeaveGroup: [['group', 'AlterGroup']],
  OffsetFetch: [
    ['group', 'DescribeGroup'],
    ['topic', 'DescribeTopic'],
  ],
  OffsetCommit: [
    ['group', 'AlterGroup'],
    ['topic', 'ReadData'],
  ],
  // An idempotent producer's id: IDEMPOTENT_WRITE on the cluster; MSK's WriteDataIdempotently.
  InitProducerId: [['cluster', 'WriteDataIdempotently']],
  Produce: [['topic', 'WriteData']],
};

/**
 * MSK's "required actions": a policy granting the key must grant these too, on the same
 * resource (and Connect on the cluster, which every role gets).
 */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  ReadData: ['DescribeTopic'],
  WriteData: ['DescribeTopic'],
  AlterGroup: ['DescribeGroup'],
};

/** One granted action on one resource ARN. */
export interface MskGrant {
  readonly action: string;
  readonly resource: string;
}

/** Where a role's permissions apply: the cluster, the routes' topics, or one of their groups. */
type Scope = 'cluster' | 'topic' | RouteGroup;

/** The role's actions per scope, from the two tables. */
export function mskActionsByScope(role: KafkaClientRole): Map<Scope, string[]> {
  const byScope = new Map<Scope, Set<string>>([['cluster', new Set(['Connect'])]]);
  for (const use of KAFKA_APIS[role]) {
    for (const [resource, action] of MSK_PERMISSIONS[use.api]) {
      if (resource === 'group' && use.group === undefined) {
        throw new Error(`KAFKA_APIS.${role}: ${use.api} names a group; say which`);
      }
      const scope: Scope = resource === 'group' ? (use.group as RouteGroup) : resource;
      const actions = byScope.get(scope) ?? new Set<string>();
      for (const a of [action, ...(REQUIRED[action] ?? [])]) actions.add(a);
      byScope.set(scope, actions);
    }
  }
  return new Map([...byScope].map(([scope, actions]) => [scope, [...actions].sort()]));
}

/** The ARNs of a scope: topics and groups live under the cluster's `<name>/<uuid>`. */
function scopeArns(
  role: KafkaClientRole,
  clusterArn: string,
  scope: Scope,
  routes: readonly Route[],
): string[] {
  if (scope === 'cluster') return [clusterArn];
  const cluster = Arn.split(clusterArn, ArnFormat.SLASH_RESOURCE_NAME);
  const arnOf = (resource: 'topic' | 'group', name: string): string =>
    Arn.format({
      ...(cluster.partition === undefined ? {} : { partition: cluster.partition }),
      ...(cluster.region === undefined ? {} : { region: cluster.region }),
      ...(cluster.account === undefined ? {} : { account: cluster.account }),
      service: 'kafka',
      resource,
      resourceName: `${cluster.resourceName}/${name}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  if (scope === 'topic')
    return [...new Set(routes.flatMap((route) => roleTopics(role, route)))].map((t) => arnOf('topic', t));
  const groupOf = scope === 'membership' ? membershipGroupId : progressGroupId;
  return routes.map((route) => arnOf('group', groupOf(route)));
}

/** Every (action, resource) the role is granted: what the template must hold, no more. */
export function mskGrants(role: KafkaClientRole, clusterArn: string, routes: readonly Route[]): MskGrant[] {
  return [...mskActionsByScope(role)].flatMap(([scope, actions]) =>
    scopeArns(role, clusterArn, scope, routes).flatMap((resource) =>
      actions.map((action) => ({ action: `kafka-cluster:${action}`, resource })),
    ),
  );
}

/** The role's grants as IAM statements, one per scope. */
export function mskStatements(
  role: KafkaClientRole,
  clusterArn: string,
  routes: readonly Route[],
): iam.PolicyStatement[] {
  return [...mskActionsByScope(role)].map(
    ([scope, actions]) =>
      new iam.PolicyStatement({
        actions: actions.map((action) => `kafka-cluster:${action}`),
        resources: scopeArns(role, clusterArn, scope, routes),
      }),
  );
}
