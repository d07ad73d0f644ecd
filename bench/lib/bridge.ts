// The bridge in local mode for a benchmark: one route from the topic to the endpoint, run by
// lib/local's LocalBridge (the real RoutePoller -> ElasticMQ FIFO -> LocalEventSource with the
// route's concurrency -> the real deliverer -> endpoint; the commit logic on the table's stream
// and schedule, as the template wires them).
import { parseBridgeConfig, type RetryPolicyInput, type Route } from '../../lib/config/index.ts';
import { LocalBridge, type LocalLog } from '../../lib/local/bridge.ts';
import { destroyClients, localClients } from '../../lib/local/clients.ts';
import { provision } from '../../lib/local/provision.ts';
import { uniqueName } from '../../test/support/aws.ts';
import { createKafka, kafkaBrokers } from '../../test/support/kafka.ts';

export interface BenchRouteOptions {
  readonly topic: string;
  readonly endpointUrl: string;
  /** The endpoint's concurrency (`deliver.maxCallsInFlight`, from which the route's `concurrency` is derived); the route default when absent. */
  readonly concurrency?: number;
  readonly retry?: RetryPolicyInput;
  /** Per partition (the route's default is 1000). */
  readonly maxInFlight?: number;
  /** How often the poller reads its progress group (local mode's default when absent). */
  readonly progressPollMs?: number;
}

export interface RunningBridge {
  readonly route: Route;
  /** Problems the bridge logged (warnings and errors), for the report. */
  readonly problems: string[];
  /** The running bridge: its functions' wiring (configured()) and the pollers' state (progress()). */
  readonly bridge: LocalBridge;
  /** The route's FIFO queue (what the deliverers read). */
  readonly queueUrl: string;
  stop(): Promise<void>;
}

/** Parses the route as a deployment would (every default applied). */
export function benchRoute(options: BenchRouteOptions): Route {
  const route = parseBridgeConfig({
    kafka: { brokers: kafkaBrokers() },
    routes: [
      {
        name: uniqueName('bench'),
        topics: [options.topic],
        endpoint: { type: 'http', url: options.endpointUrl, timeoutMs: 10_000 },
        // The endpoint's concurrency, as the partition-ordered consumer is given it: the route's
        // invocations call the groups of their batches at once (the default), within it.
        ...(options.concurrency === undefined ? {} : { deliver: { maxCallsInFlight: options.concurrency } }),
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
      },
    ],
  }).routes[0];
  if (route === undefined) throw new Error('benchRoute: the config parsed to no route');
  return route;
}

export async function startBridge(options: BenchRouteOptions): Promise<RunningBridge> {
  const route = benchRoute(options);
  const clients = localClients();
  const config = { kafka: { brokers: kafkaBrokers(), ssl: false }, routes: [route] };
  const provisioned = await provision(config, clients, {
    tableName: uniqueName('bench-completions'),
    bucket: uniqueName('bench-bucket'),
  });
  const problems: string[] = [];
  const log: LocalLog = {
    info: () => undefined,
    warn: (message, details) => problems.push(`warn ${message} ${JSON.stringify(details ?? {})}`),
    error: (message, details) => problems.push(`error ${message} ${JSON.stringify(details ?? {})}`),
  };
  const bridge = new LocalBridge({
    routes: [route],
    clients,
    provisioned,
    kafka: createKafka('bench-bridge'),
    log,
    onFatal: (error) => problems.push(`fatal ${error.message}`),
    ...(options.progressPollMs === undefined ? {} : { progressPollMs: options.progressPollMs }),
  });
  await bridge.start();
  const queueUrl = provisioned.routes.get(route.name)?.queue.url;
  if (queueUrl === undefined) throw new Error(`route ${route.name} was provisioned no queue`);
  return {
    route,
    problems,
    bridge,
    queueUrl,
    stop: async () => {
      try {
        await bridge.stop();
      } finally {
        destroyClients(clients);
      }
    },
  };
}
