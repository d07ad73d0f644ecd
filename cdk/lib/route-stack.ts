import { NestedStack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RouteResources, type RouteResourcesProps } from './route-resources.ts';

/**
 * One route's resources in a nested stack of their own. A route takes about 25 resources and
 * CloudFormation allows 500 a stack, so a single stack would hold 18 routes; with a nested stack
 * per route the parent holds one resource per route (docs/deploy.md, "How many routes").
 * One stack per route rather than per group: adding, removing or reordering routes never moves
 * another route's named queues between stacks, and removing a route deletes exactly its stack.
 */
export class RouteStack extends NestedStack {
  readonly resources: RouteResources;

  constructor(scope: Construct, id: string, props: RouteResourcesProps) {
    super(scope, id, { description: `kafka-endpoint-bridge route ${props.route.name}` });
    this.resources = new RouteResources(this, 'Route', props);
  }
}
