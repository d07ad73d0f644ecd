/**
 * The AWS and Kafka limits the route config is validated against, in one place so the CDK
 * stack and the runtime use the same numbers as the validation.
 */

/**
 * Route names appear in SQS queue names (at most 80 characters with `.fifo`; the DLQ adds
 * `-dlq.fifo`), in Lambda function and IAM role names (64 characters, shared with the stack's
 * own prefix), in S3 prefixes and in Kafka group ids. 40 leaves room for all of them.
 */
export const ROUTE_NAME_MAX_LENGTH = 40;

/** Kafka rejects longer topic names (its own limit, from the folder names of the log). */
export const KAFKA_TOPIC_MAX_LENGTH = 249;

/** SQS looks for available message groups only among the first 120,000 messages of a FIFO queue. */
export const SQS_FIFO_LOOKAHEAD = 120_000;

/**
 * The most a route may keep in flight (partitions x maxInFlight). Well below the look-ahead so
 * the messages of blocked keys (a quarantine, a failing group) can never fill the window SQS
 * searches and starve every other key of the route.
 */
export const MAX_ROUTE_IN_FLIGHT = 100_000;

/** SQS's longest visibility timeout: the deliverer's backoff between receives cannot wait longer. */
export const SQS_MAX_VISIBILITY_MS = 12 * 60 * 60 * 1000;

/** Lambda's longest run time: no endpoint call can outlive the deliverer invoking it. */
export const LAMBDA_MAX_TIMEOUT_MS = 15 * 60 * 1000;

/** The SQS event source's MaximumConcurrency range. */
export const MIN_DELIVER_CONCURRENCY = 2;
export const MAX_DELIVER_CONCURRENCY = 1000;

/** SQS's largest maxReceiveCount (redrive policy). */
export const SQS_MAX_RECEIVE_COUNT = 1000;

/**
 * Receives beyond `retry.attempts` before SQS's own redrive moves a message on. The deliverer
 * dead-letters by itself after `attempts`; redrive is only the net for crashes and timeouts, so
 * the margin lets a few of those happen without cutting a retry schedule short.
 */
export const REDRIVE_MARGIN = 5;

/** The most attempts a retry schedule may take: the attempts plus the margin are a maxReceiveCount. */
export const MAX_RETRY_ATTEMPTS = SQS_MAX_RECEIVE_COUNT - REDRIVE_MARGIN;

/**
 * The fastest route rate limit: an SQS FIFO queue in high-throughput mode takes up to 70,000
 * SendMessageBatch calls of 10 messages a second in the largest regions.
 */
export const MAX_RATE_PER_SECOND = 700_000;
