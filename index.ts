/*
 * `kafka-endpoint-bridge`: the CDK construct and the config helpers. Stable: semantic
 * versioning covers everything exported here and from `kafka-endpoint-bridge/config`; any
 * other module of the package is internal (README, "Public API").
 */

export { BridgeStack, type BridgeStackProps } from './cdk/lib/bridge-stack.ts';
export type { KafkaAuth, KafkaConnectionProps } from './cdk/lib/kafka-access.ts';
export { KafkaBridge, type KafkaBridgeProps } from './cdk/lib/kafka-bridge.ts';
export { Poller, type PollerSizing } from './cdk/lib/poller.ts';
export { RouteResources } from './cdk/lib/route-resources.ts';
export type { TeamLimits } from './cdk/lib/team-limits.ts';
export * from './config.ts';
