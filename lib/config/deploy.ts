import type { RuleIssue } from './rules.ts';
import type { KafkaConfig, Route } from './schema.ts';
import { isLoopbackHost } from './url.ts';

/*
 * Rules of a deployed stack, on top of the field rules every mode applies. Local mode runs on
 * one machine, where the sample endpoint is http://127.0.0.1 and the broker 127.0.0.1:9092; in
 * AWS those addresses are the function's or the task's own sandbox, so a route configured that
 * way would fail every record. The CDK construct parses its config in deploy mode, so such a
 * config fails the synth naming the route and the field.
 */

/**
 * How strictly parseBridgeConfig validates: 'local' (the default: local mode, the CLI, the
 * runtime's own re-parse) allows http:// and loopback hosts; 'deploy' (the CDK construct) does not.
 */
export type ConfigMode = 'local' | 'deploy';

const LOOPBACK = 'localhost, 127.0.0.0/8, ::1, 0.0.0.0';

/** Why a route cannot be deployed; paths relative to the route. */
export function deployRouteIssues(route: Route): RuleIssue[] {
  return [...endpointIssues(route), ...registryIssues(route)];
}

/** A Confluent-compatible registry the poller must reach from its task: https, not a loopback host. */
function registryIssues(route: Route): RuleIssue[] {
  const registry = route.decode?.registry;
  if (registry?.type !== 'confluent') return [];
  const url = new URL(registry.url);
  if (url.protocol === 'https:' && !isLoopbackHost(url.hostname)) return [];
  return [
    {
      path: ['decode', 'registry', 'url'],
      message: `must use https:// to a host that is not a loopback one (${LOOPBACK}) in a deployed stack: in AWS that is the poller's own task`,
    },
  ];
}

function endpointIssues(route: Route): RuleIssue[] {
  const { endpoint } = route;
  if (endpoint.type !== 'http') return [];
  // The field rules already accepted the URL, so it parses.
  const url = new URL(endpoint.url);
  const https = url.protocol === 'https:';
  if (isLoopbackHost(url.hostname)) {
    return [
      {
        path: ['endpoint', 'url'],
        message:
          `must not address a loopback host (${LOOPBACK}) in a deployed stack${https ? '' : ', and must use https://'}: ` +
          "in AWS that is the deliverer's own sandbox; use the endpoint's public or VPC address",
      },
    ];
  }
  // The field rules allow http:// to local hosts only, so this is a second line of defence.
  if (!https) {
    return [
      {
        path: ['endpoint', 'url'],
        message: `must use https:// in a deployed stack (got ${url.protocol}//)`,
      },
    ];
  }
  return [];
}

/** Why the Kafka connection cannot be deployed; paths relative to `kafka`. */
export function deployKafkaIssues(kafka: KafkaConfig): RuleIssue[] {
  return kafka.brokers.flatMap((broker, index) => {
    const problem = deployBrokerProblem(broker);
    return problem === undefined ? [] : [{ path: ['brokers', index], message: problem }];
  });
}

/**
 * Why one bootstrap broker (host:port, already valid as such) cannot be deployed, or undefined.
 * Also used for brokers given to the construct as props.
 */
export function deployBrokerProblem(broker: string): string | undefined {
  // URL parsing normalises the host the way a resolver would read it (`127.1` is 127.0.0.1, `LOCALHOST` is localhost).
  const host = URL.parse(`http://${broker}`)?.hostname ?? broker;
  if (!isLoopbackHost(host)) return undefined;
  return (
    `must not be a loopback address (${LOOPBACK}) in a deployed stack: the poller and the commit ` +
    "function would look for Kafka inside their own task; set the cluster's bootstrap brokers " +
    '(KAFKA_BROKERS or `-c brokers=...` for the sample app, see docs/deploy.md)'
  );
}
