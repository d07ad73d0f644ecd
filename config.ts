/*
 * `kafka-endpoint-bridge/config`: what a config file (bridge.config.ts, a team's route file)
 * needs, without aws-cdk-lib. The CLI and the local runner load config files that import this.
 * Stable: semantic versioning covers everything exported here (README, "Public API").
 */
export { brokerList, defineConfig, defineRoute } from './lib/config/define.ts';
export { ConfigError, type ConfigIssue } from './lib/config/errors.ts';
export { parseBridgeConfig } from './lib/config/parse.ts';
export type {
  Alerts,
  AlertsInput,
  Breaker,
  BreakerInput,
  BridgeConfig,
  BridgeConfigInput,
  Endpoint,
  EndpointInput,
  HttpEndpoint,
  HttpEndpointInput,
  KafkaConfig,
  KafkaConfigInput,
  LambdaEndpoint,
  LambdaEndpointInput,
  OnPoison,
  Ordering,
  RateLimit,
  RateLimitInput,
  Responses,
  ResponsesInput,
  RetryPolicy,
  RetryPolicyInput,
  Route,
  RouteDefaultsInput,
  RouteInput,
  SaslMechanism,
  StartFrom,
} from './lib/config/schema.ts';
