import { type BridgeConfig, isLoopbackHost } from '../config/index.ts';
import { CliError } from './errors.ts';

/*
 * Which world a config points the CLI at, told from the config alone, before anything is called:
 * local mode's (every broker on this machine), or a deployment's; and the deploy config's
 * placeholders, which point nowhere. The messages name the config or the variable to set.
 */

function hostOf(broker: string): string {
  return URL.parse(`kafka://${broker}`)?.hostname ?? broker;
}

/** Every broker is on this machine: local mode's config (bridge.local.config.ts, the demo's). */
export function isLocalConfig(config: BridgeConfig): boolean {
  return config.kafka.brokers.length > 0 && config.kafka.brokers.every((b) => isLoopbackHost(hostOf(b)));
}

/**
 * The brokers that are placeholders: a host with an `example` label (the reserved example
 * domains of RFC 2606, and bridge.config.ts's `b-1.example.kafka...`), which no cluster has.
 */
export function placeholderBrokers(config: BridgeConfig): string[] {
  return config.kafka.brokers.filter((broker) => hostOf(broker).toLowerCase().split('.').includes('example'));
}

export function placeholderError(brokers: readonly string[]): CliError {
  return new CliError(
    `the config's kafka.brokers (${brokers.join(', ')}) are placeholders, not a cluster: ` +
      'to read local mode pass --config bridge.local.config.ts (or the config file npm start printed); ' +
      "for a deployed stack set KAFKA_BROKERS to the cluster's bootstrap brokers and AWS_REGION to the stack's region",
  );
}

/** The SDK's "Region is missing": no --region, AWS_REGION or profile region. */
export function isRegionMissing(error: unknown): boolean {
  return error instanceof Error && /Region is missing/.test(error.message);
}

export function noRegionError(cause: unknown): CliError {
  return new CliError(
    'no AWS region: for a deployed stack set AWS_REGION (or pass --region); to read local mode pass a ' +
      'config whose brokers are local (--config bridge.local.config.ts, or the file npm start printed), ' +
      'or set AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_SQS to the emulators',
    { cause },
  );
}
