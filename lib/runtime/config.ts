import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BridgeConfig, parseBridgeConfig, type Route } from '../config/index.ts';
import { BridgeError, jsonSyntaxError } from '../errors.ts';
import { ENV } from './contract.ts';

/** The top-level config fields a bundled config file may hold (BRIDGE_CONFIG_FILE). */
const BUNDLED_CONFIG_FIELDS: ReadonlySet<string> = new Set(['routes', 'defaults']);

/**
 * Deployed functions get the bridge config as JSON in `BRIDGE_CONFIG_JSON` (the CDK stack writes
 * the config it validated at synth). It is validated again at cold start: a function must never
 * run on a config it does not understand.
 *
 * Functions that get every route (commit, notify) would outgrow Lambda's 4 KB of environment:
 * their routes and defaults come in a JSON file shipped with their code (a layer), named by
 * `BRIDGE_CONFIG_FILE` (absolute, or relative to LAMBDA_TASK_ROOT), and `BRIDGE_CONFIG_JSON` holds the rest (the Kafka section, which may
 * carry deploy-time values such as secret ARNs, so it stays in the environment).
 */
export function bridgeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const text = env[ENV.bridgeConfig];
  if (text === undefined || text === '') {
    throw new BridgeError('BRIDGE_CONFIG_JSON is not set: the function needs the bridge config');
  }
  const input = parseJsonObject(text, 'BRIDGE_CONFIG_JSON');
  const file = env[ENV.bridgeConfigFile];
  if (file === undefined || file === '') return parseBridgeConfig(input);
  const path = resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
  let fileText: string;
  try {
    fileText = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BridgeError(
      `BRIDGE_CONFIG_FILE ${path} cannot be read: it should be shipped with the function (its config layer)`,
      {
        cause: error,
      },
    );
  }
  const bundled = parseJsonObject(fileText, `BRIDGE_CONFIG_FILE ${path}`);
  for (const field of Object.keys(bundled)) {
    if (!BUNDLED_CONFIG_FIELDS.has(field)) {
      throw new BridgeError(
        `BRIDGE_CONFIG_FILE ${path} holds "${field}": only ${[...BUNDLED_CONFIG_FIELDS].join(' and ')} belong there`,
      );
    }
    if (field in input) {
      throw new BridgeError(`both BRIDGE_CONFIG_JSON and BRIDGE_CONFIG_FILE ${path} set "${field}"`);
    }
  }
  return parseBridgeConfig({ ...input, ...bundled });
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BridgeError(`${what} is not valid JSON`, { cause: jsonSyntaxError(error) });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BridgeError(`${what} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
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

/** A config file could not be loaded; `hint` says what to do about it. */
export class ConfigFileError extends BridgeError {
  readonly file: string;
  readonly hint: string;
  constructor(file: string, problem: string, hint: string, cause?: unknown) {
    super(`config file ${file} ${problem}`, cause === undefined ? {} : { cause });
    this.name = 'ConfigFileError';
    this.file = file;
    this.hint = hint;
  }
}

/**
 * Loads and validates a config module whose default export is the config (bridge.config.ts).
 * Used where the repo is at hand: the poller container, local mode and the CLI.
 */
export async function loadBridgeConfigFile(path: string): Promise<BridgeConfig> {
  const file = resolve(path);
  let module: unknown;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(file)) {
      throw new ConfigFileError(file, 'does not exist', 'pass the path of your bridge.config.ts');
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigFileError(file, `failed to load: ${reason}`, 'fix the error in that file', error);
  }
  const input = (module as { default?: unknown }).default;
  if (input === undefined) {
    throw new ConfigFileError(file, 'has no default export', 'export default defineConfig({ ... }) in it');
  }
  return parseBridgeConfig(input);
}

/** BRIDGE_CONFIG_JSON when set (deployed), else the config file BRIDGE_CONFIG or `fallbackPath`. */
export async function loadBridgeConfig(
  fallbackPath: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BridgeConfig> {
  const json = env[ENV.bridgeConfig];
  if (json !== undefined && json !== '') return bridgeConfigFromEnv(env);
  const path = env.BRIDGE_CONFIG;
  return loadBridgeConfigFile(path !== undefined && path !== '' ? path : fallbackPath);
}
