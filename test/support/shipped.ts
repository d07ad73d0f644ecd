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
import { emulatorEnv } from './aws.ts';
import { runRecorder } from './metrics/recorder.ts';

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

const read = (file: string): Template => JSON.parse(readFileSync(file, 'utf8')) as Template;
const replaceAll = (text: string, world: LocalWorld) =>
  world.placeholders.reduce((out, [from, to]) => out.replaceAll(from, to), text);

/** The local resource a template resource stands for; one the world lacks fails naming it. */
function local(resource: Resource, world: LocalWorld): { url: string; arn: string } {
  if (resource.Type === 'AWS::S3::Bucket') return { url: world.bucket, arn: `arn:aws:s3:::${world.bucket}` };
  if (resource.Type === 'AWS::DynamoDB::Table') return { url: world.table, arn: world.table };
  if (resource.Type === 'AWS::SQS::Queue') {
    const name = resource.Properties.QueueName as string | undefined;
    const queue = name === undefined ? world.deadLetterEvents : world.queues.get(name);
    if (queue !== undefined) return queue;
  }
  throw new Error(`no local ${resource.Type} for ${JSON.stringify(resource.Properties)}`);
}

/**
 * The synthesized one-route app (placeholder endpoint and brokers) in a temporary cdk.out, and
 * what its templates say each component runs, resolved for a local world.
 */
export class ShippedApp {
  readonly outdir = mkdtempSync(join(tmpdir(), 'kafka-bridge-shipped-'));
  readonly #stack: BridgeStack;
  readonly #parent: Template;
  readonly #routeStack: NestedStack;
  readonly #nested: Template;
  /** What the parent passes the route's stack for each of its parameters. */
  readonly #passed: Json;

  constructor(route: RouteInput, brokers: string[]) {
    const app = new App({ outdir: this.outdir });
    this.#stack = new BridgeStack(app, 'Shipped', {
      bridge: { config: { kafka: { brokers }, routes: [route] } },
    });
    app.synth();
    this.#parent = read(join(this.outdir, this.#stack.templateFile));
    this.#routeStack = this.#stack.bridge.routes[0]?.node.scope as NestedStack;
    this.#nested = read(join(this.outdir, this.#routeStack.templateFile));
    const nestedId = this.#stack.getLogicalId(this.#routeStack.nestedStackResource as never);
    this.#passed = (this.#parent.Resources[nestedId]?.Properties.Parameters ?? {}) as Json;
  }

  deliver(world: LocalWorld): ShippedFunction {
    return this.#function(this.#nested, this.#stack.bridge.routes[0]?.deliverFunction as never, world);
  }

  deadLetter(world: LocalWorld): ShippedFunction {
    return this.#function(this.#nested, this.#stack.bridge.routes[0]?.deadLetterFunction as never, world);
  }

  commit(world: LocalWorld): ShippedFunction {
    return this.#function(this.#parent, this.#stack.bridge.commitFunction as never, world);
  }

  /** The bundle of the poller image's build context, and its container's environment. */
  poller(world: LocalWorld): { bundle: string; environment: NodeJS.ProcessEnv } {
    const assets = JSON.parse(
      readFileSync(join(this.outdir, `${this.#stack.artifactId}.assets.json`), 'utf8'),
    ) as {
      dockerImages: Record<string, { source: { directory: string } }>;
    };
    const [image] = Object.values(assets.dockerImages);
    const task = Object.values(this.#parent.Resources).find((r) => r.Type === 'AWS::ECS::TaskDefinition');
    const [container] = (task?.Properties.ContainerDefinitions ?? []) as {
      Environment: { Name: string; Value: unknown }[];
    }[];
    const environment: NodeJS.ProcessEnv = { ...localAws() };
    for (const { Name, Value } of container?.Environment ?? [])
      environment[Name] = this.#resolve(Value, this.#parent, world);
    return { bundle: join(this.outdir, image?.source.directory ?? '', 'index.mjs'), environment };
  }

  /** A template value as the local world has it; an unknown reference fails naming it. */
  #resolve(value: unknown, template: Template, world: LocalWorld): string {
    if (typeof value === 'string') return replaceAll(value, world);
    const v = value as Json;
    if (typeof v.Ref === 'string') {
      const resource = template.Resources[v.Ref];
      if (resource !== undefined) return local(resource, world).url;
      if (template === this.#nested && this.#passed[v.Ref] !== undefined)
        return this.#resolve(this.#passed[v.Ref], this.#parent, world);
    }
    const att = v['Fn::GetAtt'] as [string, string] | undefined;
    const target = att === undefined ? undefined : template.Resources[att[0]];
    if (att?.[1] === 'Arn' && target !== undefined) return local(target, world).arn;
    const join = v['Fn::Join'] as [string, unknown[]] | undefined;
    if (join !== undefined) return join[1].map((part) => this.#resolve(part, template, world)).join(join[0]);
    throw new Error(`no local value for ${JSON.stringify(value)}`);
  }

  #asset(s3: unknown): string {
    return join(this.outdir, `asset.${String((s3 as { S3Key: string }).S3Key).replace(/\.zip$/, '')}`);
  }

  /** A function's code asset, its environment resolved, its layer's config file, its SQS trigger. */
  #function(
    template: Template,
    construct: { node: { defaultChild?: unknown } },
    world: LocalWorld,
  ): ShippedFunction {
    const owner = template === this.#parent ? this.#stack : this.#routeStack;
    const id = owner.getLogicalId(construct.node.defaultChild as never);
    const props = template.Resources[id]?.Properties as Json;
    const environment: NodeJS.ProcessEnv = {
      ...lambdaEnvironment(),
      // The function's logical id: the local value of its FunctionName (metric dimension).
      AWS_LAMBDA_FUNCTION_NAME: id,
      LAMBDA_TASK_ROOT: this.#asset(props.Code),
    };
    for (const [name, value] of Object.entries((props.Environment as { Variables: Json }).Variables))
      environment[name] = this.#resolve(value, template, world);
    // The config layer, unpacked to /opt on Lambda: its file, placeholders replaced, in a copy.
    const [layer] = (props.Layers as { Ref: string }[]) ?? [];
    if (layer !== undefined) {
      const file = join(mkdtempSync(join(tmpdir(), 'kafka-bridge-opt-')), 'bridge-config.json');
      const layerDir = this.#asset(template.Resources[layer.Ref]?.Properties.Content);
      writeFileSync(file, replaceAll(readFileSync(join(layerDir, 'bridge-config.json'), 'utf8'), world));
      environment.BRIDGE_CONFIG_FILE = String(environment.BRIDGE_CONFIG_FILE).replace(
        /^\/opt\/bridge-config\.json$/,
        file,
      );
    }
    const source = this.#sqsSource(template, id, world);
    return {
      bundle: join(environment.LAMBDA_TASK_ROOT ?? '', 'index.mjs'),
      environment,
      timeoutMs: Number(props.Timeout) * 1000,
      ...(source === undefined ? {} : { source }),
    };
  }

  /** The function's SQS event source mapping (the commit function's stream trigger is replaced by its schedule). */
  #sqsSource(template: Template, id: string, world: LocalWorld): ShippedFunction['source'] {
    const mapping = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ Ref: id }),
    );
    const arn = mapping?.Properties.EventSourceArn as { 'Fn::GetAtt': [string, string] } | undefined;
    const resource = arn === undefined ? undefined : template.Resources[arn['Fn::GetAtt'][0]];
    if (resource?.Type !== 'AWS::SQS::Queue') return undefined;
    const queue = local(resource, world);
    const scaling = mapping?.Properties.ScalingConfig as Json | undefined;
    return {
      queueUrl: queue.url,
      queueArn: queue.arn,
      concurrency: Number(scaling?.MaximumConcurrency ?? 2),
    };
  }
}

/** The AWS SDK's view of the local emulators (what the execution role's credentials are on AWS). */
function localAws(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...emulatorEnv(),
  };
}

/** What the Lambda runtime sets besides the function's own environment. */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  return {
    ...localAws(),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  };
}

/** Starts a process and resolves once it printed `ready` (a bundle's import and cold start done). */
export async function startProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  log: string[],
  /** Also gets every chunk of stdout: the EMF lines' recorder (default: the run's, `.run/metrics/shipped-*`). */
  onStdout: (chunk: Buffer) => void = runRecorder('shipped').feeder(),
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 400) log.splice(0, log.length - 400);
  };
  child.stderr?.on('data', keep);
  child.stdout?.on('data', onStdout);
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
