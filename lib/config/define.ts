import type { BridgeConfigInput, RouteInput } from './schema.ts';

/**
 * Types bridge.config.ts without validating it: the editor completes and checks the fields,
 * and `parseBridgeConfig` (run by the CDK app, the local runner and the CLI) validates it.
 */
export function defineConfig(config: BridgeConfigInput): BridgeConfigInput {
  return config;
}

/**
 * Types one route, for a platform app that keeps each team's routes in a file of its own
 * (docs/deploy.md, "Routes per team"). Validated with the rest of the config, at synth.
 */
export function defineRoute(route: RouteInput): RouteInput {
  return route;
}

/**
 * A comma-separated broker list (`KAFKA_BROKERS`, `-c brokers=...`) as an array, blanks
 * dropped; undefined when the text is absent or holds no broker, so the caller's default applies.
 */
export function brokerList(text: string | undefined): string[] | undefined {
  const brokers = (text ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  return brokers.length === 0 ? undefined : brokers;
}
