/** What a RoutePoller is built from (route-poller.ts). */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Kafka } from 'kafkajs';
import type { Route } from '../config/index.ts';
import type { ConsumerRestartPolicy } from './consumer-config.ts';
import type { PollerLog } from './owned.ts';
import type { SendPath, SqsBatchTransport } from './sqs-transport.ts';
import type { RouteStages } from './stages.ts';

export interface RoutePollerOptions {
  readonly route: Route;
  /** A kafkajs client for the route's cluster; the poller makes its consumer and admin from it. */
  readonly kafka: Kafka;
  readonly sqs: SQSClient;
  /** The URL of the route's FIFO queue (named queueName(route)). */
  readonly queueUrl: string;
  readonly s3: S3Client;
  /** Where values too large for SQS go; a record that needs it fails loudly when undefined. */
  readonly payloadBucket: string | undefined;
  /** How often the progress group's offsets are read (backpressure, health); default 1000 ms. */
  readonly progressPollMs?: number;
  readonly log?: PollerLog;
  /**
   * Called when the poller cannot go on (the Kafka consumer kept stopping, see
   * `consumerRestarts`); the process should exit and be restarted.
   */
  readonly onFatal?: (error: Error) => void;
  /**
   * When kafkajs stops the consumer for good (a crash it will not restart itself), the poller
   * builds a new consumer after a backoff, up to `max` times within `windowMs`; one more is
   * fatal. Default: 5 within 10 minutes, backoff from 500 ms up to 10 s.
   */
  readonly consumerRestarts?: ConsumerRestartPolicy;
  /** Bytes kafkajs fetches per partition at most: bounds memory per partition. Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /**
   * How long the group waits for a silent member before moving its partitions (kafkajs default
   * 30 s). Shorter moves a crashed task's partitions sooner; the broker sets the lower bound.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * How long a rebalance waits for members to rejoin (kafkajs default 60 s). A member killed
   * without leaving holds up the next rebalance until this passes, so a restarted task waits
   * up to this long for its partitions.
   */
  readonly rebalanceTimeoutMs?: number;
  /** The route's decode and filter stages (stages.ts); none: records are forwarded as read. */
  readonly stages?: RouteStages;
  /** How SendMessageBatch reaches SQS: the lean request (default) or the SDK client (sqs-transport.ts). */
  readonly sendPath?: SendPath;
  /** A transport of its own instead (a benchmark's null transport); `sendPath` is then ignored. */
  readonly transport?: SqsBatchTransport;
}
