// What the synthesized template says runs what: every event source mapping, schedule, SNS
// subscription, queue attribute and function setting, read from the (nested-stacks-folded)
// CloudFormation template. Local mode, the e2e runs and the fault suite take their triggers
// from here instead of from code written beside the stack (lib/local/template.ts synthesizes it).
import { deadLetterQueueName, queueName, type Route, redriveQueueName } from '../config/index.ts';
import { ENV, SERVICE } from '../runtime/contract.ts';

type Json = Record<string, unknown>;
export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, { readonly Type: string; readonly Properties?: Json }>>;
}

export type QueueRole = 'queue' | 'redrive' | 'dead-letter' | 'dead-letter-events';
export type FunctionRole = 'deliver' | 'dead-letter' | 'commit' | 'notify';

/** A queue or function of the wiring: `<route>:<role>` for a route's own, `<role>` for shared ones. */
export type WiringKey = string;

export function wiringKey(role: QueueRole | FunctionRole, route?: string): WiringKey {
  return route === undefined ? role : `${route}:${role}`;
}

export interface QueueWiring {
  readonly key: WiringKey;
  readonly role: QueueRole;
  readonly route?: string;
  readonly name?: string;
  /** SQS attributes as CreateQueue takes them (strings), the redrive policy's target by key. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly redrive?: { readonly target: WiringKey; readonly maxReceiveCount: number };
}

/** A function's environment value: literal text, or a reference to a resource of the local world. */
export type EnvValue =
  | string
  | { readonly queueUrl: WiringKey }
  | { readonly resource: 'bucket' | 'table' }
  | { readonly unresolved: unknown };

export interface FunctionWiring {
  readonly key: WiringKey;
  readonly role: FunctionRole;
  readonly route?: string;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly reservedConcurrency?: number;
  readonly environment: Readonly<Record<string, EnvValue>>;
}

export interface MappingWiring {
  readonly function: WiringKey;
  readonly source: { readonly queue: WiringKey } | { readonly stream: 'completions' };
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly maximumConcurrency?: number;
  /** FilterCriteria patterns (JSON text), any of which admits a record. */
  readonly filters: readonly string[];
  readonly startingPosition?: string;
  readonly maximumRetryAttempts?: number;
  readonly bisectOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  /** Properties of the mapping this reader does not know: a runner must refuse them. */
  readonly unknown: readonly string[];
}

export interface Wiring {
  readonly queues: readonly QueueWiring[];
  readonly functions: readonly FunctionWiring[];
  readonly mappings: readonly MappingWiring[];
  readonly schedules: readonly { readonly function: WiringKey; readonly rateMs: number }[];
  readonly subscriptions: readonly { readonly function: WiringKey; readonly protocol: string }[];
}

const ROLE_OF_SERVICE: Readonly<Record<string, FunctionRole>> = {
  [SERVICE.deliver]: 'deliver',
  [SERVICE.dlq]: 'dead-letter',
  [SERVICE.commit]: 'commit',
  [SERVICE.notify]: 'notify',
};

const KNOWN_MAPPING = new Set([
  'FunctionName',
  'EventSourceArn',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'ScalingConfig',
  'FilterCriteria',
  'StartingPosition',
  'MaximumRetryAttempts',
  'BisectBatchOnFunctionError',
  'FunctionResponseTypes',
]);

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|second|seconds)\)$/;
const UNIT_MS: Readonly<Record<string, number>> = { second: 1_000, minute: 60_000, hour: 3_600_000 };

/** The wiring of a folded template whose routes are `routes`. Anything it cannot place fails naming it. */
export function readWiring(template: CfnTemplate, routes: readonly Pick<Route, 'name'>[]): Wiring {
  const resources = template.Resources;
  const queueKeys = new Map<string, WiringKey>();
  const functionKeys = new Map<string, WiringKey>();
  const queueRoles = new Map<string, { role: QueueRole; route: string }>();
  for (const route of routes) {
    queueRoles.set(queueName(route), { role: 'queue', route: route.name });
    queueRoles.set(redriveQueueName(route), { role: 'redrive', route: route.name });
    queueRoles.set(deadLetterQueueName(route), { role: 'dead-letter', route: route.name });
  }
  const queues: QueueWiring[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::SQS::Queue') continue;
    const p = r.Properties ?? {};
    const name = p.QueueName as string | undefined;
    const placed = name === undefined ? undefined : queueRoles.get(name);
    if (name !== undefined && placed === undefined) throw new Error(`template queue ${name} is no route's`);
    const key = wiringKey(placed?.role ?? 'dead-letter-events', placed?.route);
    queueKeys.set(id, key);
    queues.push({
      key,
      role: placed?.role ?? 'dead-letter-events',
      ...(placed === undefined ? {} : { route: placed.route }),
      ...(name === undefined ? {} : { name }),
      attributes: queueAttributes(p),
    });
  }
  const withRedrive = queues.map((queue, index): QueueWiring => {
    const id = [...queueKeys].find(([, key]) => key === queue.key)?.[0] ?? '';
    const policy = resources[id]?.Properties?.RedrivePolicy as Json | undefined;
    if (policy === undefined) return queue;
    const target = queueKeys.get(getAttId(policy.deadLetterTargetArn));
    if (target === undefined) throw new Error(`queue ${queues[index]?.key}: redrive target not found`);
    return { ...queue, redrive: { target, maxReceiveCount: Number(policy.maxReceiveCount) } };
  });
  const functions: FunctionWiring[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const p = r.Properties ?? {};
    const variables = ((p.Environment as Json | undefined)?.Variables ?? {}) as Json;
    const role = ROLE_OF_SERVICE[String(variables[ENV.serviceName])];
    if (role === undefined) continue; // not a bridge function (e.g. a custom resource's provider)
    const route = variables[ENV.routeName] as string | undefined;
    const key = wiringKey(role, route);
    functionKeys.set(id, key);
    const environment: Record<string, EnvValue> = {};
    for (const [name, value] of Object.entries(variables)) environment[name] = envValue(value);
    functions.push({
      key,
      role,
      ...(route === undefined ? {} : { route }),
      timeoutMs: Number(p.Timeout ?? 3) * 1000,
      memoryMb: Number(p.MemorySize ?? 128),
      ...(p.ReservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrency: Number(p.ReservedConcurrentExecutions) }),
      environment,
    });
  }
  function envValue(value: unknown): EnvValue {
    if (typeof value === 'string') return value;
    const ref = (value as Json).Ref;
    const target = typeof ref === 'string' ? resources[ref] : undefined;
    if (target?.Type === 'AWS::SQS::Queue') return { queueUrl: queueKeys.get(ref as string) ?? '' };
    if (target?.Type === 'AWS::S3::Bucket') return { resource: 'bucket' };
    if (target?.Type === 'AWS::DynamoDB::Table') return { resource: 'table' };
    return { unresolved: value };
  }
  const functionOf = (reference: unknown): WiringKey => {
    const id = (reference as Json).Ref ?? getAttId(reference);
    const key = functionKeys.get(String(id));
    if (key === undefined) throw new Error(`no bridge function ${JSON.stringify(reference)}`);
    return key;
  };
  const mappings: MappingWiring[] = [];
  const schedules: { function: WiringKey; rateMs: number }[] = [];
  const subscriptions: { function: WiringKey; protocol: string }[] = [];
  for (const r of Object.values(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::Lambda::EventSourceMapping') {
      const [sourceId, attribute] = (p.EventSourceArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      const queue = queueKeys.get(sourceId);
      const isStream = resources[sourceId]?.Type === 'AWS::DynamoDB::Table' && attribute === 'StreamArn';
      if (queue === undefined && !isStream)
        throw new Error(`event source ${sourceId}.${attribute} is unknown`);
      const filters = ((p.FilterCriteria as Json | undefined)?.Filters ?? []) as { Pattern: string }[];
      const scaling = p.ScalingConfig as Json | undefined;
      mappings.push({
        function: functionOf(p.FunctionName),
        source: queue === undefined ? { stream: 'completions' } : { queue },
        batchSize: Number(p.BatchSize ?? 10),
        batchingWindowMs: Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000,
        ...(scaling?.MaximumConcurrency === undefined
          ? {}
          : { maximumConcurrency: Number(scaling.MaximumConcurrency) }),
        filters: filters.map((f) => f.Pattern),
        ...(p.StartingPosition === undefined ? {} : { startingPosition: String(p.StartingPosition) }),
        ...(p.MaximumRetryAttempts === undefined
          ? {}
          : { maximumRetryAttempts: Number(p.MaximumRetryAttempts) }),
        bisectOnError: p.BisectBatchOnFunctionError === true,
        reportBatchItemFailures: ((p.FunctionResponseTypes ?? []) as string[]).includes(
          'ReportBatchItemFailures',
        ),
        unknown: Object.keys(p).filter((name) => !KNOWN_MAPPING.has(name)),
      });
    } else if (r.Type === 'AWS::Events::Rule' && p.ScheduleExpression !== undefined) {
      const rate = RATE.exec(String(p.ScheduleExpression));
      if (rate === null) throw new Error(`schedule ${String(p.ScheduleExpression)} is not a rate()`);
      const unit = UNIT_MS[(rate[2] ?? '').replace(/s$/, '')] ?? 0;
      for (const target of (p.Targets ?? []) as { Arn: unknown }[])
        schedules.push({ function: functionOf(target.Arn), rateMs: Number(rate[1]) * unit });
    } else if (r.Type === 'AWS::SNS::Subscription') {
      subscriptions.push({ function: functionOf(p.Endpoint), protocol: String(p.Protocol) });
    }
  }
  return { queues: withRedrive, functions, mappings, schedules, subscriptions };
}

/** The queue's CreateQueue attributes (RedrivePolicy apart: its target is a key). */
function queueAttributes(p: Json): Record<string, string> {
  const names = [
    'FifoQueue',
    'DeduplicationScope',
    'FifoThroughputLimit',
    'MaximumMessageSize',
    'MessageRetentionPeriod',
    'VisibilityTimeout',
    'DelaySeconds',
    'ReceiveMessageWaitTimeSeconds',
    'ContentBasedDeduplication',
  ];
  const out: Record<string, string> = {};
  for (const name of names) if (p[name] !== undefined) out[name] = String(p[name]);
  // SQS's default when the template leaves it out.
  out.VisibilityTimeout ??= '30';
  return out;
}

function getAttId(value: unknown): string {
  const att = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  return att?.[0] ?? '';
}

/** The function of a key, the mappings and schedules that invoke it; a missing one fails naming it. */
export function functionWiring(wiring: Wiring, key: WiringKey): FunctionWiring {
  const found = wiring.functions.find((f) => f.key === key);
  if (found === undefined) throw new Error(`the template has no function ${key}`);
  return found;
}

export function queueWiring(wiring: Wiring, key: WiringKey): QueueWiring {
  const found = wiring.queues.find((q) => q.key === key);
  if (found === undefined) throw new Error(`the template has no queue ${key}`);
  return found;
}

export function mappingsOf(wiring: Wiring, key: WiringKey): MappingWiring[] {
  return wiring.mappings.filter((m) => m.function === key);
}

/** The local resources a function's environment references stand for. */
export interface LocalNames {
  /** undefined: the local world runs without that queue (left out of the environment). */
  readonly queueUrl: (key: WiringKey) => string | undefined;
  readonly bucket: string;
  readonly table: string;
}

/**
 * A function's environment with its references resolved to the local world: what an in-process
 * function is built from (queue URLs, bucket, table, route). Values the local world has no
 * counterpart for (a secret's ARN) are left out; literal text is kept.
 */
export function localEnvironment(fn: FunctionWiring, names: LocalNames): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') out[name] = value;
    else if ('queueUrl' in value) {
      const url = names.queueUrl(value.queueUrl);
      if (url !== undefined) out[name] = url;
    } else if ('resource' in value) out[name] = value.resource === 'bucket' ? names.bucket : names.table;
  }
  return out;
}
