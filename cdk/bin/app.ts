import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import config from '../../bridge.config.ts';
import { BridgeStack, brokerList, ConfigError } from '../../index.ts';

/*
 * The CDK app (`npx cdk synth`, `npx cdk deploy`). It uses the package's public entry point
 * (index.ts, `kafka-endpoint-bridge` when installed) as a platform team's own app does. Routes
 * come from bridge.config.ts, the one config the CLI reads too (local mode runs the same routes
 * through bridge.local.config.ts); the stack validates it in deploy mode at synth.
 * `-c brokers=host:port,...` replaces the config's brokers (which come from KAFKA_BROKERS, else a
 * placeholder: docs/deploy.md).
 * The stack is environment-agnostic unless the CLI knows an account and region, so synth needs
 * no AWS credentials.
 */
const app = new App();
// AWS Solutions checks on every synth: an unacknowledged finding stops the synth, not a review.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const stackName: unknown = app.node.tryGetContext('stackName');
const contextBrokers: unknown = app.node.tryGetContext('brokers');
const brokers = brokerList(typeof contextBrokers === 'string' ? contextBrokers : undefined);
try {
  new BridgeStack(app, typeof stackName === 'string' ? stackName : 'KafkaBridge', {
    description: 'Kafka-to-endpoint bridge: poller on Fargate, SQS FIFO per route, Lambda deliverers',
    ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
    bridge: { config: brokers === undefined ? config : { ...config, kafka: { ...config.kafka, brokers } } },
  });
} catch (error) {
  // A config problem is the user's to fix, not a crash: the list once, no stack.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\nfix: correct the field(s) above in bridge.config.ts\n`);
  process.exit(1);
}
app.synth();
