import { Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type BridgeConfigInput, ConfigError } from '../../lib/config/index.ts';
import { ENV } from '../../lib/runtime/contract.ts';

/** Lambda's limit on all environment variables of a function together. */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;
/** Kept for the other variables of a function (table name, URLs, namespace, NODE_OPTIONS). */
const ENVIRONMENT_RESERVE_BYTES = 768;
/** The file, bundled with a function's code, that holds the config's routes and defaults. */
export const BUNDLED_CONFIG_FILE = 'bridge-config.json';

/** How a function that gets every route receives the config. */
export interface ConfigDelivery {
  readonly environment: Record<string, string>;
  readonly bundledFiles?: Record<string, string>;
}

/**
 * How a function receives the config (lib/runtime/config.ts reads it back at cold start). The
 * commit and notify functions get every route, which would outgrow Lambda's 4 KB of
 * environment with a few dozen routes, and one route's JSON schema alone can. The routes and defaults go into a file bundled with the
 * code (BRIDGE_CONFIG_FILE) and the Kafka section, which may hold deploy-time values (secret
 * ARNs, broker lists of a cluster in the same app), stays in the environment. Routes that hold
 * deploy-time values themselves cannot be written at synth, so they stay in the environment,
 * and a config too large for it fails the synth naming why, instead of a rollback.
 */
export function configDelivery(scope: Construct, config: BridgeConfigInput): ConfigDelivery {
  const { routes, defaults, ...rest } = config;
  const bundled = { routes, ...(defaults === undefined ? {} : { defaults }) };
  const bundledJson = JSON.stringify(bundled);
  if (!Token.isUnresolved(bundledJson)) {
    return {
      environment: {
        [ENV.bridgeConfig]: Stack.of(scope).toJsonString(rest),
        [ENV.bridgeConfigFile]: BUNDLED_CONFIG_FILE,
      },
      bundledFiles: { [BUNDLED_CONFIG_FILE]: bundledJson },
    };
  }
  const bytes = Buffer.byteLength(JSON.stringify(config));
  const budget = LAMBDA_ENVIRONMENT_MAX_BYTES - ENVIRONMENT_RESERVE_BYTES;
  if (bytes > budget) {
    throw new ConfigError([
      {
        field: 'routes',
        message:
          `the routes hold deploy-time values (tokens), so they go in the functions' environment, ` +
          `and take ${bytes} bytes as JSON, more than the ${budget} it can hold (Lambda allows ` +
          `${LAMBDA_ENVIRONMENT_MAX_BYTES} bytes of environment variables): write those values as plain ` +
          'strings (secret names instead of ARNs), move shared settings to `defaults`, or split the routes over two stacks',
      },
    ]);
  }
  return { environment: { [ENV.bridgeConfig]: Stack.of(scope).toJsonString(config) } };
}
