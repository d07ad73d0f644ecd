import { z } from 'zod';
import { type ConfigMode, deployKafkaIssues, deployRouteIssues } from './deploy.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { issueInOwnWords, knownKeys, unknownKeyMessage } from './issue-words.ts';
import { crossRouteIssues, type IndexedRoute, kafkaIssues, type RuleIssue, routeIssues } from './rules.ts';
import {
  type BridgeConfig,
  type KafkaConfig,
  KafkaSchema,
  RouteDefaultsSchema,
  RouteSchema,
} from './schema.ts';

type ZodIssue = z.core.$ZodIssue;
type PathSegment = PropertyKey;
type PlainObject = Record<string, unknown>;

/** The outer shape only; each part is parsed on its own below so one bad part hides nothing else. */
const TopLevelSchema = z.strictObject({
  kafka: z.looseObject({}),
  routes: z.array(z.unknown()).min(1, { error: 'must list at least one route' }),
  defaults: z.looseObject({}).optional(),
});

const PARSE_OPTIONS = {
  // Zod's generic messages ("expected string, received undefined") in the config's own words.
  error: issueInOwnWords,
};

export interface ParseOptions {
  /** 'deploy' (the CDK construct) also rejects what only works on one machine: see deploy.ts. */
  readonly mode?: ConfigMode;
}

/**
 * Validates a bridge config and applies every default: `defaults` first (nested objects merge
 * key by key, the route's own values win), then the built-in ones. Throws a ConfigError that
 * lists every problem found, each with its field path (`routes[orders].endpoint.url`).
 * Rules between fields run once those fields are valid on their own, so a second run can
 * reveal more after the first fixes. In deploy mode the deploy rules (deploy.ts) are listed
 * with the others, in the same error.
 */
export function parseBridgeConfig(input: unknown, options: ParseOptions = {}): BridgeConfig {
  const deploy = options.mode === 'deploy';
  const issues: ConfigIssue[] = [];
  const top = TopLevelSchema.safeParse(input, PARSE_OPTIONS);
  if (!top.success) issues.push(...fromZod(top.error.issues, '', undefined, TopLevelSchema));
  if (!isRecord(input)) throw new ConfigError(issues);

  const kafka = isRecord(input.kafka) ? parseKafka(input.kafka, issues, deploy) : undefined;
  const defaults = isRecord(input.defaults) ? parseDefaults(input.defaults, issues) : {};
  const rawRoutes: readonly unknown[] = Array.isArray(input.routes) ? input.routes : [];

  const parsed: IndexedRoute[] = [];
  const firstIndexOfName = new Map<string, number>();
  rawRoutes.forEach((raw, index) => {
    const name = routeName(raw);
    const prefix = `routes[${name ?? index}]`;
    if (name !== undefined) {
      const first = firstIndexOfName.get(name);
      if (first === undefined) firstIndexOfName.set(name, index);
      else
        issues.push(
          routeIssue(
            name,
            `${prefix}.name`,
            `${name} is also the name of routes[${first}]; route names must be unique`,
          ),
        );
    }
    const merged = isRecord(raw) ? withDefaults(defaults, raw) : raw;
    const result = RouteSchema.safeParse(merged, PARSE_OPTIONS);
    if (!result.success) {
      issues.push(...fromZod(result.error.issues, prefix, name, RouteSchema));
      return;
    }
    issues.push(...fromRules([...routeIssues(result.data), ...explicitIssues(raw)], prefix, name));
    if (deploy) issues.push(...fromRules(deployRouteIssues(result.data), prefix, name));
    parsed.push({ index, route: result.data });
  });

  for (const issue of crossRouteIssues(parsed)) {
    const route = parsed.find((candidate) => candidate.index === issue.routeIndex)?.route.name;
    issues.push(...fromRules([issue], `routes[${route ?? issue.routeIndex}]`, route));
  }

  if (issues.length > 0 || kafka === undefined) throw new ConfigError(issues);
  return { kafka, routes: parsed.map(({ route }) => route) };
}

/** The `kafka` section alone (the producer API's cluster), validated as parseBridgeConfig does. */
export function parseKafkaConfig(input: unknown): KafkaConfig {
  const issues: ConfigIssue[] = [];
  const raw = typeof input === 'object' && input !== null ? (input as PlainObject) : {};
  const kafka = parseKafka(raw, issues, false);
  if (issues.length > 0 || kafka === undefined) throw new ConfigError(issues);
  return kafka;
}

function parseKafka(raw: PlainObject, issues: ConfigIssue[], deploy: boolean): KafkaConfig | undefined {
  const result = KafkaSchema.safeParse(raw, PARSE_OPTIONS);
  if (!result.success) {
    issues.push(...fromZod(result.error.issues, 'kafka', undefined, KafkaSchema));
    return undefined;
  }
  const problems = [...kafkaIssues(result.data), ...(deploy ? deployKafkaIssues(result.data) : [])];
  issues.push(...fromRules(problems, 'kafka', undefined));
  return problems.length === 0 ? result.data : undefined;
}

/**
 * Returns the raw `defaults` to merge into every route once they are valid, or none: invalid
 * defaults are reported once, here, rather than again under every route they would reach.
 */
function parseDefaults(raw: PlainObject, issues: ConfigIssue[]): PlainObject {
  const result = RouteDefaultsSchema.safeParse(raw, PARSE_OPTIONS);
  if (result.success) return raw;
  issues.push(...fromZod(result.error.issues, 'defaults', undefined, RouteDefaultsSchema));
  return {};
}

/**
 * The route merged over the defaults. Raw values are merged (not parsed ones) so that built-in
 * defaults and derived values (a rate limit's burst) are computed from the merged result.
 */
function withDefaults(defaults: PlainObject, route: PlainObject): PlainObject {
  const merged: PlainObject = { ...route };
  for (const [key, fallback] of Object.entries(defaults)) {
    const own = route[key];
    if (own === undefined) merged[key] = fallback;
    else if (isRecord(own) && isRecord(fallback)) merged[key] = { ...fallback, ...definedOnly(own) };
  }
  return merged;
}

function definedOnly(object: PlainObject): PlainObject {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** The route's name for messages: its own when it looks like one, else the caller uses the index. */
function routeName(raw: unknown): string | undefined {
  if (!isRecord(raw) || typeof raw.name !== 'string') return undefined;
  // A name that is not even close to a valid one would make the path unreadable; the index is clearer.
  return /^[A-Za-z0-9._-]{1,80}$/.test(raw.name) ? raw.name : undefined;
}

function fromZod(
  zodIssues: readonly ZodIssue[],
  prefix: string,
  route: string | undefined,
  schema: z.core.$ZodType,
): ConfigIssue[] {
  return zodIssues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? // One line per unknown key, each with its own path: a typo is found by its field name.
        issue.keys.map((key) =>
          routeIssue(
            route,
            fieldPath(prefix, [...issue.path, key]),
            unknownKeyMessage(key, knownKeys(schema, issue.path)),
          ),
        )
      : [routeIssue(route, fieldPath(prefix, issue.path), issue.message)],
  );
}

function fromRules(
  ruleIssues: readonly RuleIssue[],
  prefix: string,
  route: string | undefined,
): ConfigIssue[] {
  return ruleIssues.map((issue) => routeIssue(route, fieldPath(prefix, issue.path), issue.message));
}

/**
 * Rules on what a route sets itself, before defaults fill it in: `concurrency` has a default,
 * so only the route's own input tells that both it and `deliver.maxCallsInFlight` were set.
 */
function explicitIssues(raw: unknown): RuleIssue[] {
  if (!isRecord(raw) || raw.concurrency === undefined) return [];
  if (!isRecord(raw.deliver) || raw.deliver.maxCallsInFlight === undefined) return [];
  return [
    {
      path: ['concurrency'],
      message:
        'must not be set together with deliver.maxCallsInFlight: the deliverer concurrency is derived ' +
        'from the endpoint concurrency maxCallsInFlight; remove one of the two',
    },
  ];
}

function routeIssue(route: string | undefined, field: string, message: string): ConfigIssue {
  return route === undefined ? { field, message } : { route, field, message };
}

/** `routes[orders]` + ['retry', 'attempts'] -> `routes[orders].retry.attempts`; indices as `[0]`. */
export function fieldPath(prefix: string, path: readonly PathSegment[]): string {
  let field = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') field += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment))
      field += field === '' ? segment : `.${segment}`;
    else field += `[${JSON.stringify(String(segment))}]`;
  }
  return field === '' ? '(config)' : field;
}

/** The same test zod's object schemas apply, so a value zod accepts as an object is merged and parsed here too. */
function isRecord(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
