// The stack for the IAM test's routes, as deployed (endpoints and brokers a deployed config
// has), and the roles of its components with every ARN resolved for the run's local names.
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { KafkaBridge } from '../../../cdk/lib/kafka-bridge.ts';
import type { BridgeConfigInput } from '../../../lib/config/index.ts';
import type { AuthKind } from '../kafka-auth.ts';
import type { RunResult } from './bridge-run.ts';
import { foldNestedStacks } from './nested.ts';
import { type ComponentRole, componentRoles } from './roles.ts';
import { bridgeWebhookSecret, IAM_STACK_NAME, kafkaInput, RUN_KAFKA_AUTH, routeInputs } from './routes.ts';
import type { Deployment } from './template.ts';

export const DEPLOYMENT = { account: '123456789012', region: 'us-east-1' } as const;

/**
 * The stack for the same routes, its endpoints as a deployed config has them, its Kafka secret of
 * kind `auth`; the roles with the deployed names.
 */
export function synthesize(
  a: string,
  b: string,
  run: RunResult,
  auth: AuthKind = RUN_KAFKA_AUTH,
): ComponentRole[] {
  const { provisioned, eventsQueue } = run;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, IAM_STACK_NAME, { env: DEPLOYMENT });
  const config: BridgeConfigInput = {
    kafka: kafkaInput(a, ['b-1.kafka.example.com:9096'], auth),
    routes: routeInputs(
      a,
      b,
      (route) => `https://${route}.example.com/kafka`,
      'https://auth.example.com/token',
    ),
  };
  const bridge = new KafkaBridge(stack, 'Bridge', {
    config,
    discordWebhookSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Hook', bridgeWebhookSecret(a)),
  });
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnResource);
  const deployment: Deployment = {
    ...DEPLOYMENT,
    physicalNames: {
      [id(bridge.completionTable)]: provisioned.tableName,
      [id(bridge.bucket)]: provisioned.bucket,
      [id(bridge.deadLetterEvents)]: eventsQueue,
    },
  };
  return componentRoles(foldNestedStacks(stack) as never, deployment);
}
