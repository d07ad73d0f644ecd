import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import type { RouteDataAccess, TableAccess } from '../../lib/aws/access.ts';
import { SECRET_READ_ACCESS } from '../../lib/aws/secrets.ts';
import type { GlueRegistryConfig } from '../../lib/decode/config.ts';
import { GLUE_SCHEMA_ACCESS } from '../../lib/decode/glue-access.ts';
import { EVENT_SENDERS_ACCESS } from '../../lib/notify/senders.ts';
import { acknowledgeSecretGrant, acknowledgeWildcardResource } from './nag.ts';

/*
 * Grants built from what the runtime modules declare they call (lib/aws/access.ts): each module
 * exports its actions and key prefixes, the construct grants exactly those. The IAM test
 * (test/integration/iam-recorded-calls.test.ts) checks the result against the calls the
 * components really make.
 */

type Grantee = iam.IGrantable & IConstruct;

/**
 * The table accesses for these routes: one statement per set of partition keys, so an action
 * is allowed only on the keys of the module that calls it (PutItem on completions does not
 * allow PutItem on the quarantine).
 */
export function grantTableAccess(
  grantee: Grantee,
  table: Pick<dynamodb.ITable, 'tableArn'>,
  accesses: readonly TableAccess[],
  routes: readonly string[],
): void {
  const byKeys = new Map<string, { keys: string[]; actions: Set<string> }>();
  for (const access of accesses) {
    const keys = routes.flatMap((route) => access.leadingKeys(route));
    const id = JSON.stringify(keys);
    const entry = byKeys.get(id) ?? { keys, actions: new Set<string>() };
    for (const action of access.actions) entry.actions.add(action);
    byKeys.set(id, entry);
  }
  for (const { keys, actions } of byKeys.values()) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions].sort(),
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } },
      }),
    );
  }
}

/** The bucket accesses of one route: each action on its module's key prefix only. */
export function grantBucketAccess(
  grantee: Grantee,
  bucket: Pick<s3.IBucket, 'arnForObjects'>,
  access: RouteDataAccess,
  route: string,
  who: string,
): void {
  for (const { actions, prefix } of access.bucket) {
    const resource = bucket.arnForObjects(`${prefix(route)}*`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...actions], resources: [resource] }),
    );
    acknowledgeWildcardResource(
      grantee,
      resource,
      `${who} calls ${actions.join(', ')} under ${prefix(route)} only (route ${route}); object keys are per record, so a prefix is the narrowest form.`,
    );
  }
}

/**
 * Reading one secret: GetSecretValue alone (what lib/aws/secrets.ts calls; grantRead would add
 * DescribeSecret). A secret known by name is matched with the six-character suffix Secrets
 * Manager appends, as grantRead does.
 */
export function grantSecretValue(grantee: Grantee, secret: secretsmanager.ISecret, what: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [...SECRET_READ_ACCESS.actions],
      resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
    }),
  );
  acknowledgeSecretGrant(grantee, secret, what);
}

/** The notifier's read of the routes' dead-letter event senders: GetParameter under their path only. */
export function grantEventSendersRead(grantee: Grantee, path: string): void {
  const stack = Stack.of(grantee);
  const resource = stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: `${path.slice(1)}/*`,
  });
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...EVENT_SENDERS_ACCESS.actions], resources: [resource] }),
  );
  acknowledgeWildcardResource(
    grantee,
    resource,
    `The notifier reads one sender-list parameter per route under ${path}/ (lib/notify/senders.ts); the routes are many, so a path is the narrowest form.`,
  );
}

/**
 * A decoding route's reads of the AWS Glue Schema Registry (what lib/decode/glue.ts declares),
 * on the route's registry and its schemas when `registryName` names it, else on every registry
 * of the account in that region (a record names its schema version only by id).
 */
export function grantGlueSchemaReads(grantee: Grantee, registry: GlueRegistryConfig, route: string): void {
  const stack = Stack.of(grantee);
  const region = registry.region ?? stack.region;
  const name = registry.registryName ?? '*';
  const resources = [`registry/${name}`, `schema/${name}/*`].map((resource) =>
    stack.formatArn({ service: 'glue', region, resource }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...GLUE_SCHEMA_ACCESS.actions], resources }),
  );
  for (const resource of resources) {
    acknowledgeWildcardResource(
      grantee,
      resource,
      `Route ${route} decodes records through the Glue Schema Registry (lib/decode/glue.ts): a record names only its schema version id, so the grant covers the schemas of ${registry.registryName === undefined ? 'every registry (route.decode.registry.registryName narrows it)' : `registry ${name}`}.`,
    );
  }
}
