// The wiring of the stack a config deploys (lib/local/wiring.ts), synthesized in this process
// with the construct that ships (cdk/lib/kafka-bridge.ts). A local config points at loopback
// endpoints and brokers, which a deployed stack refuses, and tests name routes and topics
// uniquely: the synth gets placeholder hosts and route and topic names by position (nothing of
// the wiring depends on them), and the wiring is renamed back. Synthesizing costs seconds (the
// first synth in a process builds the function bundles), so the result is kept under
// `.run/wiring/<hash>.json`, keyed by the config so neutralised and every source file the
// template comes from, and once per process in memory.
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BridgeConfig,
  type BridgeConfigInput,
  deadLetterQueueName,
  queueName,
  redriveQueueName,
} from '../config/index.ts';
import { ENV } from '../runtime/contract.ts';
import { foldTemplates, type TemplateJson } from './fold.ts';
import { type CfnTemplate, type EnvValue, type QueueRole, readWiring, type Wiring } from './wiring.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The sources a template is made from: a change to any of them synthesizes again. */
const SOURCES = ['cdk/lib', 'lib', 'package.json'];

/** Route i's name in the synthesized stack. */
const neutralRoute = (index: number) => `route-${index}`;

/**
 * The config as the synth gets it: deploy-time hosts in place of local ones (https endpoints and
 * registries, a placeholder broker), routes and topics named by position.
 */
export function deployableConfig(config: BridgeConfig | BridgeConfigInput): BridgeConfigInput {
  const plain = JSON.parse(JSON.stringify(config)) as BridgeConfigInput;
  return {
    ...plain,
    kafka: { ...plain.kafka, brokers: ['broker.wiring.example.com:9092'] },
    routes: plain.routes.map((route, i) => ({
      ...route,
      name: neutralRoute(i),
      topics: route.topics.map((_, j) => `topic-${i}-${j}`),
      endpoint:
        route.endpoint.type === 'http'
          ? { ...route.endpoint, url: `https://${neutralRoute(i)}.wiring.example.com/` }
          : route.endpoint,
      ...(route.decode?.registry.type === 'confluent'
        ? {
            decode: {
              ...route.decode,
              registry: { ...route.decode.registry, url: `https://registry-${i}.wiring.example.com/` },
            },
          }
        : {}),
    })),
  };
}

const QUEUE_NAME: Partial<Record<QueueRole, (route: { name: string }) => string>> = {
  queue: queueName,
  redrive: redriveQueueName,
  'dead-letter': deadLetterQueueName,
};

/** The wiring of the neutral stack with each route's own name back. */
function renameRoutes(wiring: Wiring, routes: readonly { name: string }[]): Wiring {
  const names = new Map(routes.map((route, i) => [neutralRoute(i), route]));
  const route = (name: string | undefined) => (name === undefined ? undefined : names.get(name)?.name);
  const key = (k: string) => {
    const [owner, role] = k.split(':');
    return role === undefined ? k : `${route(owner) ?? owner}:${role}`;
  };
  const own = (r: string | undefined) => (r === undefined ? {} : { route: route(r) ?? r });
  return {
    queues: wiring.queues.map((q) => {
      const real = q.route === undefined ? undefined : names.get(q.route);
      const name = real === undefined ? q.name : QUEUE_NAME[q.role]?.(real);
      return {
        ...q,
        key: key(q.key),
        ...own(q.route),
        ...(name === undefined ? {} : { name }),
        ...(q.redrive === undefined ? {} : { redrive: { ...q.redrive, target: key(q.redrive.target) } }),
      };
    }),
    functions: wiring.functions.map((f) => ({
      ...f,
      key: key(f.key),
      ...own(f.route),
      environment: Object.fromEntries(
        Object.entries(f.environment).map(([n, v]): [string, EnvValue] => {
          if (n === ENV.routeName && typeof v === 'string') return [n, route(v) ?? v];
          if (typeof v === 'object' && 'queueUrl' in v) return [n, { queueUrl: key(v.queueUrl) }];
          return [n, v];
        }),
      ),
    })),
    mappings: wiring.mappings.map((m) => ({
      ...m,
      function: key(m.function),
      source: 'queue' in m.source ? { queue: key(m.source.queue) } : m.source,
    })),
    schedules: wiring.schedules.map((s) => ({ ...s, function: key(s.function) })),
    subscriptions: wiring.subscriptions.map((s) => ({ ...s, function: key(s.function) })),
  };
}

/**
 * Team limits that let every route name what it names: limits are the platform's, checked when
 * its own app synthesizes (cdk/lib/team-limits.ts), and nothing of the wiring depends on them;
 * here the routes carry neutral names, so their defaults (`<route>/` secrets, `<route>.*` failure
 * topics) would refuse a config the platform allows. The secret rules that are not limits (the
 * Kafka client's secret, another route's secret) still apply.
 */
function openLimits(config: BridgeConfigInput) {
  const each = <T>(value: T) => Object.fromEntries(config.routes.map((route) => [route.name, value]));
  return {
    secretPrefixes: each(['']),
    lambdaTargets: each(['*']),
    deadLetterTopics: each(['*']),
    groupPrefix: '',
  };
}

/** The folded template of the stack a deployable config makes (the synth's own files, removed after). */
export async function synthesizeTemplate(config: BridgeConfigInput): Promise<CfnTemplate> {
  const { App, NestedStack, Stack } = await import('aws-cdk-lib');
  const { KafkaBridge } = await import('../../cdk/lib/kafka-bridge.ts');
  const outdir = mkdtempSync(join(tmpdir(), 'kafka-bridge-wiring-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Wiring', { env: { account: '123456789012', region: 'us-east-1' } });
    new KafkaBridge(stack, 'Bridge', { config, limits: openLimits(config) });
    app.synth();
    const read = (file: string) => JSON.parse(readFileSync(join(outdir, file), 'utf8')) as TemplateJson;
    const nested = stack.node
      .findAll()
      .filter((c) => c instanceof NestedStack && c.nestedStackParent === stack)
      .map((c) => {
        const n = c as InstanceType<typeof NestedStack>;
        return { id: stack.getLogicalId(n.nestedStackResource as never), template: read(n.templateFile) };
      });
    return foldTemplates(read(stack.templateFile), nested);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function sourceFiles(path: string): string[] {
  const full = join(ROOT, path);
  try {
    return readdirSync(full, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(full, f));
  } catch {
    return [full];
  }
}

/** The cache key: the config and the content of every source the template comes from. */
export function wiringHash(config: BridgeConfig | BridgeConfigInput): string {
  const hash = createHash('sha256').update(JSON.stringify(deployableConfig(config)));
  for (const file of SOURCES.flatMap(sourceFiles))
    hash.update(relative(ROOT, file)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 24);
}

const inProcess = new Map<string, Wiring>();

/**
 * The wiring of the stack `config` deploys: from memory, else `.run/wiring/<hash>.json`, else
 * synthesized (and kept in both). `BRIDGE_RUN_DIR` moves `.run`.
 */
export async function deployedWiring(config: BridgeConfig | BridgeConfigInput): Promise<Wiring> {
  const key = wiringHash(config);
  const cached = inProcess.get(key);
  if (cached !== undefined) return renameRoutes(cached, config.routes);
  const dir = join(process.env.BRIDGE_RUN_DIR ?? join(ROOT, '.run'), 'wiring');
  const file = join(dir, `${key}.json`);
  let wiring: Wiring;
  try {
    wiring = JSON.parse(readFileSync(file, 'utf8')) as Wiring;
  } catch {
    const neutral = deployableConfig(config);
    wiring = readWiring(await synthesizeTemplate(neutral), neutral.routes);
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.${process.pid}`, JSON.stringify(wiring));
    // Rename is atomic: test processes running side by side never read half a file.
    renameSync(`${file}.${process.pid}`, file);
  }
  inProcess.set(key, wiring);
  return renameRoutes(wiring, config.routes);
}
