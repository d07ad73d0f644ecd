import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import config from '../../bridge.config.ts';
import { BridgeStack } from '../../index.ts';

/*
 * The CDK app (`npx cdk synth`, `npx cdk deploy`). It uses the package's public entry point
 * (index.ts, `kafka-endpoint-bridge` when installed) as a platform team's own app does. Routes come from bridge.config.ts, the one
 * config the local runner and the CLI read too; the stack validates it at synth.
 * The stack is environment-agnostic unless the CLI knows an account and region, so synth needs
 * no AWS credentials.
 */
const app = new App();
// AWS Solutions checks on every synth: an unacknowledged finding stops the synth, not a review.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const stackName: unknown = app.node.tryGetContext('stackName');
new BridgeStack(app, typeof stackName === 'string' ? stackName : 'KafkaBridge', {
  description: 'Kafka-to-endpoint bridge: poller on Fargate, SQS FIFO per route, Lambda deliverers',
  ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
  bridge: { config },
});
app.synth();
