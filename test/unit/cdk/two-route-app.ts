import { App, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../../cdk/lib/bridge-stack.ts';
import type { BridgeConfigInput } from '../../../lib/config/index.ts';

/**
 * The two routes every CDK test synthesizes: an HTTP endpoint with a headers secret, and a
 * Lambda endpoint on two topics with `onPoison: 'block'`, over SASL/SCRAM. Synthesis bundles
 * six functions with esbuild, so one synthesized app serves every assertion of a test file.
 */
export const TWO_ROUTES: BridgeConfigInput = {
  kafka: {
    brokers: ['b-1.kafka.example.com:9096', 'b-2.kafka.example.com:9096'],
    ssl: true,
    sasl: { mechanism: 'scram-sha-512', secret: 'kafka/bridge-scram' },
  },
  routes: [
    {
      name: 'orders',
      topics: ['orders'],
      endpoint: {
        type: 'http',
        url: 'https://orders.example.com/kafka',
        timeoutMs: 5_000,
        headersSecret: 'orders/api-key',
      },
      concurrency: 20,
      retry: { attempts: 6 },
      alerts: { discordWebhookSecret: 'orders/discord-webhook', oncall: '@orders-oncall' },
    },
    {
      name: 'payments',
      topics: ['payments', 'refunds'],
      endpoint: {
        type: 'lambda',
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:payments-handler',
      },
      concurrency: 5,
      // The endpoint's concurrency: 3 invocations of 10 calls (lib/config/derived.ts).
      deliver: { maxCallsInFlight: 30 },
      onPoison: 'block',
    },
  ],
};

export interface SynthesizedBridge {
  readonly app: App;
  readonly stack: BridgeStack;
  readonly template: Template;
  /** The logical id of a construct's CloudFormation resource. */
  logicalId(construct: { node: { defaultChild?: unknown } }): string;
}

let cached: SynthesizedBridge | undefined;

/** The two-route app, synthesized once per test process. */
export function twoRouteApp(): SynthesizedBridge {
  if (cached !== undefined) return cached;
  const app = new App();
  // Environment-agnostic like `cdk synth` without credentials: no context lookups.
  const stack = new BridgeStack(app, 'TestBridge', {
    bridge: { config: TWO_ROUTES, poller: { cpu: 1024, memoryMiB: 2048, desiredCount: 2, maxCount: 6 } },
  });
  const template = Template.fromStack(stack);
  cached = {
    app,
    stack,
    template,
    logicalId: (construct) => stack.getLogicalId(construct.node.defaultChild as CfnResource),
  };
  return cached;
}
