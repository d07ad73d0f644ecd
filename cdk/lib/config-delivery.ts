import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type BridgeConfigInput, ConfigError } from '../../lib/config/index.ts';
import { ENV } from '../../lib/runtime/contract.ts';

/** Lambda's limit on all environment variables of a function together. */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;
/** Kept for the other variables of a function (table name, URLs, namespace, NODE_OPTIONS). */
const ENVIRONMENT_RESERVE_BYTES = 768;
/** The file that holds the config's routes and defaults, in a layer of its own. */
export const BUNDLED_CONFIG_FILE = 'bridge-config.json';
/** Where Lambda unpacks a function's layers. */
const LAYER_ROOT = '/opt';
/** BRIDGE_CONFIG_FILE of a function with the config layer (absolute: outside LAMBDA_TASK_ROOT). */
export const CONFIG_FILE_PATH = posix.join(LAYER_ROOT, BUNDLED_CONFIG_FILE);

/** How a function receives the config: its environment, and the layer holding the config file. */
export interface ConfigDelivery {
  readonly environment: Record<string, string>;
  readonly layer?: lambda.ILayerVersion;
}

/**
 * How a function receives the config (lib/runtime/config.ts reads it back at cold start). The
 * commit and notify functions get every route, which would outgrow Lambda's 4 KB of
 * environment with a few dozen routes, and one route's JSON schema alone can. The routes and
 * defaults go into a file (BRIDGE_CONFIG_FILE) in a small Lambda layer of their own: the code
 * asset stays the one prebuilt bundle every route shares (a copy of a 3 MB bundle per route
 * would make a 200-route app a gigabyte of assets), and a config change deploys a new layer
 * version, which updates the function. The Kafka section, which may hold deploy-time values (secret
 * ARNs, broker lists of a cluster in the same app), stays in the environment. Routes that hold
 * deploy-time values themselves cannot be written at synth, so they stay in the environment,
 * and a config too large for it fails the synth naming why, instead of a rollback.
 */
export function configDelivery(scope: Construct, id: string, config: BridgeConfigInput): ConfigDelivery {
  const { routes, defaults, ...rest } = config;
  const bundled = { routes, ...(defaults === undefined ? {} : { defaults }) };
  const bundledJson = JSON.stringify(bundled);
  if (!Token.isUnresolved(bundledJson)) {
    return {
      environment: {
        [ENV.bridgeConfig]: Stack.of(scope).toJsonString(rest),
        [ENV.bridgeConfigFile]: CONFIG_FILE_PATH,
      },
      layer: configLayer(scope, id, bundledJson),
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

/** A layer holding only the config file; its content is the asset, so a change is a new version. */
function configLayer(scope: Construct, id: string, json: string): lambda.LayerVersion {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-bridge-config-'));
  writeFileSync(join(dir, BUNDLED_CONFIG_FILE), json);
  return new lambda.LayerVersion(scope, id, {
    code: lambda.Code.fromAsset(dir),
    description: 'kafka-endpoint-bridge routes and defaults (BRIDGE_CONFIG_FILE)',
    compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
    compatibleArchitectures: [lambda.Architecture.ARM_64],
  });
}
