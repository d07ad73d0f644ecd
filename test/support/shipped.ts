// What `cdk synth` ships, run locally: a one-route app synthesized through the package's public
// entry point, then each function's code (the asset its template names), its config layer and
// the environment its template sets, with every reference resolved to a local resource; the
// poller from the image context's bundle with its container's environment. Nothing is
// rebuilt: the processes run the files in cdk.out. Used by test/e2e/shipped-bundles.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type NestedStack } from 'aws-cdk-lib';
import { BridgeStack, type RouteInput } from '../../index.ts';
import { awsEndpoint, dynamoEndpoint, REGION, sqsEndpoint } from './aws.ts';

type Json = Record<string, unknown>;
type Resource = { Type: string; Properties: Json };
interface Template {
  Resources: Record<string, Resource>;
  Parameters?: Json;
}

/** The local resources references resolve to, and placeholder text replaced by local values. */
export interface LocalWorld {
  readonly queues: ReadonlyMap<string, { url: string; arn: string }>;
  /** The one unnamed queue of the stack: the dead-letter events queue. */
  readonly deadLetterEvents: { url: string; arn: string };
  readonly bucket: string;
  readonly table: string;
  /** [placeholder, local value]: deploy-time hosts (brokers, endpoint) to the local ones. */
  readonly placeholders: readonly (readonly [string, string])[];
}

export interface ShippedFunction {
  readonly bundle: string;
  readonly environment: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** The SQS event source of the function, when it has one. */
  readonly source?: { readonly queueUrl: string; readonly queueArn: string; readonly concurrency: number };
}

export interface ShippedApp {
  readonly outdir: string;
  readonly deliver: (world: LocalWorld) => ShippedFunction;
  readonly deadLetter: (world: LocalWorld) => ShippedFunction;
  readonly commit: (world: LocalWorld) => ShippedFunction;
  readonly poller: (world: LocalWorld) => { bundle: string; environment: NodeJS.ProcessEnv };
}

const read = (file: string): Template => JSON.parse(readFileSync(file, 'utf8')) as Template;
const replaceAll = (text: string, world: LocalWorld) =>
  world.placeholders.reduce((out, [from, to]) => out.replaceAll(from, to), text);

/** Synthesizes the route (placeholder endpoint and brokers) into a temporary cdk.out. */
export function synthesizeShipped(route: RouteInput, brokers: string[]): ShippedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'kafka-bridge-shipped-'));
  const app = new App({ outdir });
  const stack = new BridgeStack(app, 'Shipped', {
    bridge: { config: { kafka: { brokers }, routes: [route] } },
  });
  app.synth();
  const parent = read(join(outdir, stack.templateFile));
  const [routes] = stack.bridge.routes;
  const routeStack = routes?.node.scope as NestedStack;
  const nested = read(join(outdir, routeStack.templateFile));
  const nestedParams = parent.Resources[stack.getLogicalId(routeStack.nestedStackResource as never)]
    ?.Properties.Parameters as Json;

  /** A template value as the local world has it; an unknown reference fails naming it. */
  const resolve = (value: unknown, template: Template, world: LocalWorld): string => {
    if (typeof value === 'string') return replaceAll(value, world);
    const v = value as Json;
    if (typeof v.Ref === 'string') {
      const resource = template.Resources[v.Ref];
      if (resource !== undefined) return local(resource, world).url;
      if (template === nested && nestedParams[v.Ref] !== undefined)
        return resolve(nestedParams[v.Ref], parent, world);
    }
    const att = v['Fn::GetAtt'] as [string, string] | undefined;
    if (att !== undefined && att[1] === 'Arn' && template.Resources[att[0]] !== undefined)
      return local(template.Resources[att[0]] as Resource, world).arn;
    const join = v['Fn::Join'] as [string, unknown[]] | undefined;
    if (join !== undefined) return join[1].map((part) => resolve(part, template, world)).join(join[0]);
    throw new Error(`no local value for ${JSON.stringify(value)}`);
  };
  const local = (resource: Resource, world: LocalWorld): { url: string; arn: string } => {
    if (resource.Type === 'AWS::S3::Bucket')
      return { url: world.bucket, arn: `arn:aws:s3:::${world.bucket}` };
    if (resource.Type === 'AWS::DynamoDB::Table') return { url: world.table, arn: world.table };
    if (resource.Type === 'AWS::SQS::Queue') {
      const name = resource.Properties.QueueName as string | undefined;
      const queue = name === undefined ? world.deadLetterEvents : world.queues.get(name);
      if (queue !== undefined) return queue;
    }
    throw new Error(`no local ${resource.Type} for ${JSON.stringify(resource.Properties)}`);
  };

  const fn = (template: Template, construct: { node: { defaultChild?: unknown } }, world: LocalWorld) => {
    const owner = template === parent ? stack : routeStack;
    const id = owner.getLogicalId(construct.node.defaultChild as never);
    const props = template.Resources[id]?.Properties as Json;
    const asset = (s3: unknown) =>
      join(outdir, `asset.${String((s3 as { S3Key: string }).S3Key).replace(/\.zip$/, '')}`);
    const environment: NodeJS.ProcessEnv = { ...lambdaEnvironment(), LAMBDA_TASK_ROOT: asset(props.Code) };
    for (const [name, value] of Object.entries((props.Environment as { Variables: Json }).Variables))
      environment[name] = resolve(value, template, world);
    // The config layer, unpacked to /opt on Lambda: its file, placeholders replaced, in a copy.
    const [layer] = (props.Layers as { Ref: string }[]) ?? [];
    if (layer !== undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'kafka-bridge-opt-'));
      const layerDir = asset(template.Resources[layer.Ref]?.Properties.Content);
      const file = join(dir, 'bridge-config.json');
      writeFileSync(file, replaceAll(readFileSync(join(layerDir, 'bridge-config.json'), 'utf8'), world));
      environment.BRIDGE_CONFIG_FILE = String(environment.BRIDGE_CONFIG_FILE).replace(
        /^\/opt\/bridge-config\.json$/,
        file,
      );
    }
    const mapping = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ Ref: id }),
    );
    // An SQS event source (the commit function's stream trigger is replaced by its schedule).
    const arn = mapping?.Properties.EventSourceArn as { 'Fn::GetAtt': [string, string] } | undefined;
    const sourceResource = arn === undefined ? undefined : template.Resources[arn['Fn::GetAtt'][0]];
    const queue = sourceResource?.Type === 'AWS::SQS::Queue' ? local(sourceResource, world) : undefined;
    return {
      bundle: join(environment.LAMBDA_TASK_ROOT ?? '', 'index.mjs'),
      environment,
      timeoutMs: Number(props.Timeout) * 1000,
      ...(queue === undefined
        ? {}
        : {
            source: {
              queueUrl: queue.url,
              queueArn: queue.arn,
              concurrency: Number(
                (mapping?.Properties.ScalingConfig as Json | undefined)?.MaximumConcurrency ?? 2,
              ),
            },
          }),
    };
  };

  return {
    outdir,
    deliver: (world) => fn(nested, routes?.deliverFunction as never, world),
    deadLetter: (world) => fn(nested, routes?.deadLetterFunction as never, world),
    commit: (world) => fn(parent, stack.bridge.commitFunction as never, world),
    poller: (world) => {
      const assets = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.assets.json`), 'utf8')) as {
        dockerImages: Record<string, { source: { directory: string } }>;
      };
      const [image] = Object.values(assets.dockerImages);
      const task = Object.values(parent.Resources).find((r) => r.Type === 'AWS::ECS::TaskDefinition');
      const [container] = (task?.Properties.ContainerDefinitions ?? []) as {
        Environment: { Name: string; Value: unknown }[];
      }[];
      const environment: NodeJS.ProcessEnv = { ...localAws() };
      for (const { Name, Value } of container?.Environment ?? [])
        environment[Name] = resolve(Value, parent, world);
      return { bundle: join(outdir, image?.source.directory ?? '', 'index.mjs'), environment };
    },
  };
}

/** The AWS SDK's view of the local emulators (what the execution role's credentials are on AWS). */
function localAws(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL: awsEndpoint(),
    AWS_ENDPOINT_URL_SQS: sqsEndpoint(),
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint(),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

/** What the Lambda runtime sets besides the function's own environment. */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  return {
    ...localAws(),
    AWS_LAMBDA_FUNCTION_NAME: 'shipped-bundle',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  };
}

/** Starts a process and resolves once it printed `ready` (a bundle's import and cold start done). */
export async function startProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  log: string[],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 400) log.splice(0, log.length - 400);
  };
  child.stderr?.on('data', keep);
  await new Promise<void>((resolvePromise, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      out = (out + chunk.toString()).slice(-10_000);
      if (ready.test(out)) resolvePromise();
    });
    child.once('exit', (code) =>
      reject(
        new Error(
          `${args.join(' ')} exited (${code}) before it was ready: ${log.slice(-5).join('').slice(-3_000)}`,
        ),
      ),
    );
  });
  return child;
}
