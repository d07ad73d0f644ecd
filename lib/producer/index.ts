/** The producer API for teams (`kafka-endpoint-bridge/producer`, docs/producer.md). */

export { SecretReader } from '../aws/secrets.ts';
export { DiscordClient } from '../notify/discord-client.ts';
export { discordFailureAlert, type FailureAlert, type GaveUp } from './alert.ts';
export {
  BridgeProducer,
  type FailedSend,
  type PartitionRateLimit,
  type ProducerMetrics,
  type ProducerOptions,
  type ProducerRetryPolicy,
  type SentRecord,
} from './producer.ts';
