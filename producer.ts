/*
 * `kafka-endpoint-bridge/producer`: one producer API for teams (docs/producer.md): send with a
 * retry policy, a per-partition rate limit, callbacks, metrics and a Discord alert when a
 * record is given up, written by an idempotent producer. No aws-cdk-lib.
 * Stable: semantic versioning covers everything exported here (README, "Public API").
 */
export * from './lib/producer/index.ts';
