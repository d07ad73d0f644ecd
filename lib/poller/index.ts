/** The poller: Kafka to the route's SQS FIFO queue, in order, without gaps, within maxInFlight. */
export { BatchSender, type SendControl, type SendProblem, type SendProblemKind } from './batch-sender.ts';
export { PayloadStore } from './claim-check.ts';
export { PollerError, SupersededError } from './errors.ts';
export { LeanSqsTransport, leanSqsTransport } from './lean-sqs.ts';
export { PartitionProgress } from './partition-progress.ts';
export {
  type PartitionStatus,
  type PauseReason,
  type PollerLog,
  RoutePoller,
  type RoutePollerOptions,
  type RouteStatus,
} from './route-poller.ts';
export {
  fitsBatch,
  MAX_BATCH_BYTES,
  MAX_BATCH_ENTRIES,
  type OutgoingMessage,
  planResend,
  type ResendPlan,
} from './send-plan.ts';
export { createPollerSqsClient, pollerSqsClientConfig } from './sqs-client.ts';
export { SqsRequestError, sqsError } from './sqs-errors.ts';
export {
  type FailedEntry,
  pollerTransport,
  type SendPath,
  type SqsBatchTransport,
  sdkTransport,
} from './sqs-transport.ts';
export type {
  DecodedRecord,
  DecodeOutcome,
  DecodeStage,
  FilterStage,
  PolledRecord,
  RouteStages,
} from './stages.ts';
