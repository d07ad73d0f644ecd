import { type BridgeConfig, parseBridgeConfig, type Route } from '../config/index.ts';
import { BridgeError } from '../errors.ts';
import { ENV } from './contract.ts';

/**
 * Deployed functions get the bridge config as JSON in `BRIDGE_CONFIG_JSON` (the CDK stack writes
 * the config it validated at synth). It is validated again at cold start: a function must never
 * run on a config it does not understand.
 */
export function bridgeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const text = env[ENV.bridgeConfig];
  if (text === undefined || text === '') {
    throw new BridgeError('BRIDGE_CONFIG_JSON is not set: the function needs the bridge config');
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new BridgeError('BRIDGE_CONFIG_JSON is not valid JSON', { cause: error });
  }
  return parseBridgeConfig(input);
}

/** A required environment variable, or an error that names it. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new BridgeError(`environment variable ${name} is not set`);
  return value;
}

/** The route a per-route function serves: `ROUTE_NAME`, which must name a route of the config. */
export function routeFromEnv(config: BridgeConfig, env: NodeJS.ProcessEnv = process.env): Route {
  const name = requiredEnv(ENV.routeName, env);
  const route = config.routes.find((candidate) => candidate.name === name);
  if (route === undefined) {
    throw new BridgeError(
      `ROUTE_NAME ${name} is not a route of BRIDGE_CONFIG_JSON (routes: ${config.routes.map((r) => r.name).join(', ')})`,
    );
  }
  return route;
}
