// The environment a test gives functions/poller.ts when it runs the real poller as a child
// process: its config, the local emulators, short group timeouts so kills and restarts
// rebalance within seconds, and an ephemeral health port.
import { emulatorEnv } from './aws.ts';

export interface PollerProcessOptions {
  readonly metricsIntervalMs: number;
  readonly progressPollMs: number;
}

export function pollerProcessEnv(
  config: unknown,
  payloadBucket: string,
  options: PollerProcessOptions,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BRIDGE_CONFIG_JSON: JSON.stringify(config),
    BRIDGE_PAYLOAD_BUCKET: payloadBucket,
    HEALTH_PORT: '0',
    SESSION_TIMEOUT_MS: '3000',
    REBALANCE_TIMEOUT_MS: '6000',
    METRICS_INTERVAL_MS: String(options.metricsIntervalMs),
    PROGRESS_POLL_MS: String(options.progressPollMs),
    ...emulatorEnv(),
  };
}
