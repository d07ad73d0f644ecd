import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Archive } from '../archive/archive.ts';
import type { CircuitBreaker } from '../breaker/breaker.ts';
import type { Ledger } from '../completion/ledger.ts';
import type { CompletionStore } from '../completion/store.ts';
import type { Route } from '../config/index.ts';
import type { QuarantineStore } from '../quarantine/quarantine.ts';
import type { BackoffPolicy } from '../retry/index.ts';
import { RecordSchema } from '../schema/record-schema.ts';
import type { AttemptLog } from './attempt-log.ts';
import { Caller } from './call.ts';
import { DeadLetters } from './dead-letter.ts';
import type { DeadLetterEvents } from './dead-letter-events.ts';
import { type DeliverLogger, type DeliverMetrics, noMetrics, silentLogger } from './observability.ts';
import { Visibility } from './record-context.ts';
import { Settler } from './settle.ts';
import type { Target } from './target.ts';

export interface DelivererOptions {
  readonly route: Route;
  readonly target: Target;
  readonly sqs: SQSClient;
  /** The route's queue: where visibility timeouts are changed. */
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly s3: S3Client;
  readonly archive: Archive;
  /** Per-record completions: replayed records' outcomes (the CLI waits on them) and their duplicate check. */
  readonly completions: CompletionStore;
  /** The completion ledger: one entry per batch, the route state for the duplicate check. */
  readonly ledger: Ledger;
  readonly quarantine: QuarantineStore;
  readonly attemptLog: AttemptLog;
  /** A fresh view of the route's shared circuit breaker, one per batch; none when the route has no breaker. */
  readonly breaker?: () => CircuitBreaker;
  /** Where dead-letter events go for the notifier's summaries; none in tests that do not look. */
  readonly deadLetterEvents?: DeadLetterEvents;
  readonly metrics?: DeliverMetrics;
  readonly logger?: DeliverLogger;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The deliverer's steps, each built once from its options (and each testable alone with fakes). */
export interface DeliveryParts {
  readonly metrics: DeliverMetrics;
  readonly logger: DeliverLogger;
  readonly policy: BackoffPolicy;
  readonly random: () => number;
  readonly now: () => number;
  readonly schema: RecordSchema | undefined;
  readonly visibility: Visibility;
  readonly deadLetters: DeadLetters;
  readonly caller: Caller;
  readonly settle: Settler;
}

export function deliveryParts(options: DelivererOptions): DeliveryParts {
  const metrics = options.metrics ?? noMetrics;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const { route } = options;
  const { baseMs, maxMs, jitter } = route.retry;
  const policy = { baseMs, maxMs, jitter };
  const visibility = new Visibility(options.sqs, options.queueUrl, logger);
  const deadLetters = new DeadLetters({
    route,
    sqs: options.sqs,
    archive: options.archive,
    quarantine: options.quarantine,
    ...(options.deadLetterEvents === undefined ? {} : { events: options.deadLetterEvents }),
    deadLetterQueueUrl: options.deadLetterQueueUrl,
    metrics,
    logger,
    now,
  });
  const common = { route, policy, visibility, metrics, now, random };
  return {
    metrics,
    logger,
    policy,
    random,
    now,
    schema: route.schema === undefined ? undefined : new RecordSchema(route.schema),
    visibility,
    deadLetters,
    caller: new Caller({ ...common, target: options.target }),
    settle: new Settler({
      ...common,
      s3: options.s3,
      archive: options.archive,
      attemptLog: options.attemptLog,
      deadLetters,
      logger,
    }),
  };
}
