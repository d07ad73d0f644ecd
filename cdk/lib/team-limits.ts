import { Token } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  type BridgeConfig,
  ConfigError,
  type ConfigIssue,
  progressGroupId,
  type Route,
} from '../../lib/config/index.ts';

/**
 * What the platform team lets each team's route name: the route file is the team's, these props
 * are the platform's (docs/security.md). A route field beyond them fails the synth naming the
 * route and the field, before any resource exists.
 */
export interface TeamLimits {
  /**
   * Secret name prefixes each route may name (headersSecret, signingSecret,
   * alerts.discordWebhookSecret), by route name. Default for a route not listed: `<route>/`, its
   * own prefix ('/' is not in route names, so `orders/` is never `orders-eu/`'s).
   */
  readonly secretPrefixes?: Readonly<Record<string, readonly string[]>>;
  /**
   * Lambda function ARNs each route may deliver to, by route name; `*` matches any run of
   * characters. Default: none, so a Lambda endpoint must be allowed here.
   */
  readonly lambdaTargets?: Readonly<Record<string, readonly string[]>>;
  /**
   * The bridge's own namespace of Kafka group ids: every route's groups must start with it, so
   * no route's commit function writes offsets of a group outside the bridge. Default: none, and
   * then no route may set `groupPrefix` (its groups are its name).
   */
  readonly groupPrefix?: string;
  /**
   * Kafka topics each route may write its dead letters to (deadLetter.kafkaTopic), by route
   * name; `*` matches any run of characters. Default for a route not listed: `<route>.*`, its
   * own prefix ('.' is not in route names). A topic a route of the bridge reads is refused by
   * the config itself, whatever this says.
   */
  readonly deadLetterTopics?: Readonly<Record<string, readonly string[]>>;
}

/** A secret's name from a config reference: the name, or the ARN's name without Secrets Manager's suffix. */
export function secretNameOf(ref: string): string {
  const match = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(ref);
  if (match === null) return ref;
  const name = match[1] as string;
  // A complete ARN ends in `-` and six characters; a partial ARN is the name itself.
  return /-[A-Za-z0-9]{6}$/.test(name) ? name.slice(0, -7) : name;
}

/** The secrets a route names, with their field paths. */
function routeSecrets(route: Route): [string, string][] {
  const { endpoint } = route;
  const refs: [string, string | undefined][] = [
    ['endpoint.headersSecret', endpoint.type === 'http' ? endpoint.headersSecret : undefined],
    ['endpoint.signingSecret', endpoint.type === 'http' ? endpoint.signingSecret : undefined],
    [
      'endpoint.auth.oauth2.credentialsSecret',
      endpoint.type === 'http' ? endpoint.auth?.oauth2?.credentialsSecret : undefined,
    ],
    [
      'endpoint.auth.clientCertificateSecret',
      endpoint.type === 'http' ? endpoint.auth?.clientCertificateSecret : undefined,
    ],
    ['alerts.discordWebhookSecret', route.alerts?.discordWebhookSecret],
  ];
  return refs.filter((ref): ref is [string, string] => ref[1] !== undefined);
}

const wildcard = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

/** The issues of the routes against the limits; `kafkaSecrets` are the Kafka client's secrets. */
export function teamLimitIssues(
  config: BridgeConfig,
  limits: TeamLimits,
  kafkaSecrets: readonly secretsmanager.ISecret[],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const kafkaNames = new Set<string>(
    [config.kafka.sasl?.secret, config.kafka.mtls?.secret]
      .filter((ref): ref is string => ref !== undefined)
      .map(secretNameOf),
  );
  for (const secret of kafkaSecrets)
    if (!Token.isUnresolved(secret.secretName)) kafkaNames.add(secretNameOf(secret.secretName));
  const owners = new Map<string, string>();
  for (const route of config.routes) {
    const issue = (field: string, message: string) =>
      issues.push({ route: route.name, field: `routes[${route.name}].${field}`, message });
    const prefixes = limits.secretPrefixes?.[route.name] ?? [`${route.name}/`];
    for (const [field, ref] of routeSecrets(route)) {
      const name = secretNameOf(ref);
      if (kafkaNames.has(name)) {
        issue(field, `names the Kafka client's secret ${name}: a route's secret must be its own`);
      } else if (owners.has(name) && owners.get(name) !== route.name) {
        issue(
          field,
          `names secret ${name}, which route ${owners.get(name)} uses: a route's secret must be its own`,
        );
      } else if (!prefixes.some((prefix) => name.startsWith(prefix))) {
        issue(
          field,
          `names secret ${name}, outside the prefixes the platform allows route ${route.name} (${prefixes.join(', ')}; props.limits.secretPrefixes)`,
        );
      }
      if (!owners.has(name)) owners.set(name, route.name);
    }
    if (route.endpoint.type === 'lambda') {
      const allowed = limits.lambdaTargets?.[route.name] ?? [];
      if (
        !allowed.some((pattern) =>
          wildcard(pattern, route.endpoint.type === 'lambda' ? route.endpoint.functionArn : ''),
        )
      ) {
        issue(
          'endpoint.functionArn',
          `${route.endpoint.functionArn} is not a function the platform allows route ${route.name} to invoke (props.limits.lambdaTargets${allowed.length === 0 ? ': none listed' : `: ${allowed.join(', ')}`})`,
        );
      }
    }
    const deadLetterTopic = route.deadLetter?.kafkaTopic;
    if (deadLetterTopic !== undefined) {
      const allowed = limits.deadLetterTopics?.[route.name] ?? [`${route.name}.*`];
      // A topic a route reads is refused by the config itself (lib/config/rules.ts).
      if (!allowed.some((pattern) => wildcard(pattern, deadLetterTopic))) {
        issue(
          'deadLetter.kafkaTopic',
          `${deadLetterTopic} is not a topic the platform allows route ${route.name} to write (${allowed.join(', ')}; props.limits.deadLetterTopics)`,
        );
      }
    }
    const group = progressGroupId(route);
    if (limits.groupPrefix === undefined) {
      if ((route.groupPrefix ?? '') !== '')
        issue(
          'groupPrefix',
          "is the platform's to allow: set props.limits.groupPrefix, the bridge's own namespace of group ids",
        );
    } else if (!group.startsWith(limits.groupPrefix)) {
      issue(
        (route.groupPrefix ?? '') === '' ? 'name' : 'groupPrefix',
        `its Kafka group ${group} is outside the bridge's namespace ${limits.groupPrefix} (props.limits.groupPrefix): it could be another consumer's group`,
      );
    }
  }
  return issues;
}

/** Throws a ConfigError naming every route field beyond the limits. */
export function checkTeamLimits(
  config: BridgeConfig,
  limits: TeamLimits,
  kafkaSecrets: readonly secretsmanager.ISecret[],
): void {
  const issues = teamLimitIssues(config, limits, kafkaSecrets);
  if (issues.length > 0) throw new ConfigError(issues);
}
