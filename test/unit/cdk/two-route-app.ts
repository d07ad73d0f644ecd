import { App, type CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type BridgeConfigInput, BridgeStack } from '../../../index.ts';

/**
 * The two routes every CDK test synthesizes: an HTTP endpoint with a headers secret, and a
 * Lambda endpoint on two topics with `onPoison: 'block'` whose records are decoded through a
 * schema registry, over SASL/SCRAM. Synthesis bundles six functions with esbuild, so one
 * synthesized app serves every assertion of a test file.
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
      // Its dead letters go to Kafka too: the DLQ consumer writes them (docs/deliver.md).
      deadLetter: { kafkaTopic: 'orders.failed' },
      // Only orders that are not drafts are forwarded (docs/filters.md).
      filter: { value: { status: [{ 'anything-but': 'draft' }] } },
    },
    {
      name: 'payments',
      topics: ['payments', 'refunds'],
      endpoint: {
        type: 'lambda',
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:payments-handler',
      },
      // The endpoint's concurrency: 3 invocations of 10 calls (lib/config/derived.ts).
      deliver: { maxCallsInFlight: 30 },
      onPoison: 'block',
      // Its records are decoded through a Confluent-compatible registry (docs/decoding.md).
      decode: { registry: { type: 'confluent', url: 'https://registry.example.com' } },
    },
  ],
};

export interface SynthesizedBridge {
  readonly app: App;
  readonly stack: BridgeStack;
  /** The deployed (parent) stack's template. */
  readonly template: Template;
  /** The logical id of a construct's CloudFormation resource, in its own stack's template. */
  logicalId(construct: IConstruct): string;
  /** The template of the stack (parent or a route's nested stack) holding the construct. */
  templateOf(construct: IConstruct): Template;
  /** The parent's template and every nested stack's. */
  templates(): Template[];
  /**
   * `{ Ref: target }` as the template of `from` holds it: the logical id in the same stack, the
   * nested stack parameter the parent passes it in, or the parent's GetAtt of a nested output.
   */
  ref(target: IConstruct, from: IConstruct): unknown;
  /** `{ Fn::GetAtt: [target, attribute] }` as the template of `from` holds it (see ref). */
  att(target: IConstruct, attribute: string, from: IConstruct): unknown;
}

let cached: SynthesizedBridge | undefined;

/** The two-route app, synthesized once per test process. */
export function twoRouteApp(): SynthesizedBridge {
  if (cached !== undefined) return cached;
  const app = new App();
  // Environment-agnostic like `cdk synth` without credentials: no context lookups.
  const stack = new BridgeStack(app, 'TestBridge', {
    bridge: {
      config: TWO_ROUTES,
      poller: { cpu: 1024, memoryMiB: 2048, desiredCount: 2, maxCount: 6 },
      // The platform allows the payments route its one function (cdk/lib/team-limits.ts).
      limits: { lambdaTargets: { payments: ['arn:aws:lambda:eu-west-1:123456789012:function:payments-*'] } },
    },
  });
  const template = Template.fromStack(stack);
  const byStack = new Map<Stack, Template>([[stack, template]]);
  const templateOf = (construct: IConstruct): Template => {
    const owner = Stack.of(construct);
    let found = byStack.get(owner);
    if (found === undefined) {
      found = Template.fromStack(owner);
      byStack.set(owner, found);
    }
    return found;
  };
  const logicalId = (construct: IConstruct): string => {
    const resource = (construct.node.defaultChild ?? construct) as CfnResource;
    return Stack.of(construct).getLogicalId(resource);
  };
  /** A value of `owner`'s template as `from`'s template holds it (one level of nesting). */
  const seenFrom = (value: unknown, owner: IConstruct, from: IConstruct): unknown => {
    const [ownerStack, fromStack] = [Stack.of(owner), Stack.of(from)];
    if (ownerStack === fromStack) return value;
    const same = (candidate: unknown) => JSON.stringify(candidate) === JSON.stringify(value);
    if (fromStack instanceof NestedStack && fromStack.nestedStackParent === ownerStack) {
      const parameters = nestedResourceProps(fromStack).Parameters ?? {};
      const found = Object.entries(parameters).find(([, passed]) => same(passed));
      if (found === undefined) throw new Error(`${owner.node.path} is not passed to ${fromStack.node.path}`);
      return { Ref: found[0] };
    }
    if (ownerStack instanceof NestedStack && ownerStack.nestedStackParent === fromStack) {
      const outputs = (templateOf(ownerStack).toJSON().Outputs ?? {}) as Record<string, { Value: unknown }>;
      const found = Object.entries(outputs).find(([, output]) => same(output.Value));
      if (found === undefined) throw new Error(`${owner.node.path} is not an output of its stack`);
      return {
        'Fn::GetAtt': [logicalId(ownerStack.nestedStackResource as IConstruct), `Outputs.${found[0]}`],
      };
    }
    throw new Error(`no reference path from ${fromStack.node.path} to ${ownerStack.node.path}`);
  };
  const nestedResourceProps = (nestedStack: NestedStack): { Parameters?: Record<string, unknown> } => {
    const resource = nestedStack.nestedStackResource as IConstruct;
    const json = templateOf(resource).toJSON().Resources as Record<string, { Properties: object }>;
    return json[logicalId(resource)]?.Properties ?? {};
  };
  const nested = stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);
  cached = {
    app,
    stack,
    template,
    logicalId,
    templateOf,
    templates: () => [template, ...nested.map((n) => templateOf(n))],
    ref: (target, from) => seenFrom({ Ref: logicalId(target) }, target, from),
    att: (target, attribute, from) =>
      seenFrom({ 'Fn::GetAtt': [logicalId(target), attribute] }, target, from),
  };
  return cached;
}
