import type { BridgeConfigInput } from './schema.ts';

/**
 * Types bridge.config.ts without validating it: the editor completes and checks the fields,
 * and `parseBridgeConfig` (run by the CDK app, the local runner and the CLI) validates it.
 */
export function defineConfig(config: BridgeConfigInput): BridgeConfigInput {
  return config;
}
