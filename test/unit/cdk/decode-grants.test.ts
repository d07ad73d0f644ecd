import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack, type RouteInput } from '../../../index.ts';
import { GLUE_SCHEMA_ACCESS } from '../../../lib/decode/index.ts';

/*
 * A route that decodes through the Glue Schema Registry gives the poller's task role what
 * lib/decode declares it calls (GLUE_SCHEMA_ACCESS), on the route's registry; a route that does
 * not decode, or decodes through a Confluent registry, gives it nothing on Glue.
 */

const ROUTE: RouteInput = {
  name: 'orders',
  topics: ['orders'],
  endpoint: { type: 'http', url: 'https://orders.example.com/kafka' },
};

/** An ARN as the template writes it: a string, or an Fn::Join with the partition as a Ref. */
function arn(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  assert.ok(join !== undefined, `an ARN: ${JSON.stringify(resource)}`);
  return join[1]
    .map((part) =>
      typeof part === 'string'
        ? part
        : (part as { Ref?: string }).Ref === 'AWS::Partition'
          ? 'aws'
          : assert.fail(JSON.stringify(part)),
    )
    .join(join[0]);
}

/** Every glue:* (action, resource) granted to the poller's task role. */
function pollerGlueGrants(routes: RouteInput[]): string[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BridgeStack(app, 'DecodeBridge', {
    env: { account: '123456789012', region: 'eu-west-1' },
    bridge: { config: { kafka: { brokers: ['kafka:9092'] }, routes } },
  });
  const role = stack.getLogicalId(stack.bridge.poller.taskRole.node.defaultChild as CfnResource);
  const grants: string[] = [];
  for (const policy of Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))) {
    const props = policy.Properties as {
      Roles: { Ref: string }[];
      PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
    };
    if (!props.Roles.some((ref) => ref.Ref === role)) continue;
    for (const statement of props.PolicyDocument.Statement) {
      for (const action of [statement.Action].flat().filter((a) => a.startsWith('glue:'))) {
        for (const resource of [statement.Resource].flat()) grants.push(`${action} ${arn(resource)}`);
      }
    }
  }
  return grants.sort();
}

describe('Glue Schema Registry grants of the poller', () => {
  test('a Glue-decoding route with a registry name: the declared actions on that registry and its schemas', () => {
    const grants = pollerGlueGrants([
      ROUTE,
      {
        ...ROUTE,
        name: 'payments',
        topics: ['payments'],
        decode: { registry: { type: 'glue', registryName: 'team-a' } },
      },
    ]);
    const expected = GLUE_SCHEMA_ACCESS.actions.flatMap((action) => [
      `${action} arn:aws:glue:eu-west-1:123456789012:registry/team-a`,
      `${action} arn:aws:glue:eu-west-1:123456789012:schema/team-a/*`,
    ]);
    assert.deepEqual(grants, expected.sort());
  });

  test('without a registry name, every registry of the region (the registry region when set)', () => {
    const grants = pollerGlueGrants([
      { ...ROUTE, decode: { registry: { type: 'glue', region: 'us-east-2' } } },
    ]);
    assert.deepEqual(grants, [
      'glue:GetSchemaVersion arn:aws:glue:us-east-2:123456789012:registry/*',
      'glue:GetSchemaVersion arn:aws:glue:us-east-2:123456789012:schema/*/*',
    ]);
  });

  test('no decoding, or a Confluent registry: nothing on Glue', () => {
    assert.deepEqual(pollerGlueGrants([ROUTE]), []);
    const confluent = { registry: { type: 'confluent' as const, url: 'https://registry.example.com' } };
    assert.deepEqual(pollerGlueGrants([{ ...ROUTE, decode: confluent }]), []);
  });
});
