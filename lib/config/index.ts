export { brokerList, defineConfig, defineRoute } from './define.ts';
export { type ConfigMode, deployBrokerProblem } from './deploy.ts';
export {
  DELIVER_BATCH_SIZE,
  DELIVER_VISIBILITY_MARGIN_MS,
  type DeliverConcurrency,
  deliverConcurrency,
  deliverTimeoutMs,
  deliverVisibilityMs,
  maxReceiveCount,
  REDRIVE_CONSUMER_ATTEMPTS,
} from './derived.ts';
export { ConfigError, type ConfigIssue } from './errors.ts';
export * from './limits.ts';
export {
  archivePrefix,
  deadLetterQueueName,
  membershipGroupId,
  payloadPrefix,
  progressGroupId,
  queueName,
  type RouteNaming,
  redriveQueueName,
} from './names.ts';
export { type ParseOptions, parseBridgeConfig } from './parse.ts';
export type {
  Alerts,
  AlertsInput,
  Breaker,
  BreakerInput,
  BridgeConfig,
  BridgeConfigInput,
  Endpoint,
  EndpointAuth,
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
} from './schema.ts';
export {
  classifyStatus,
  DEFAULT_RETRYABLE_STATUSES,
  DEFAULT_SUCCESS_STATUSES,
  matchesAnyStatus,
  type ResponseClass,
  type StatusClass,
  type StatusPattern,
  statusMatches,
} from './status.ts';
export { credentialQueryParam, endpointUrlProblem, isLocalHost, isLoopbackHost } from './url.ts';
