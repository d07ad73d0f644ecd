import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ARCHIVE_ACCESS, Archive } from '../archive/archive.ts';
import type { RouteDataAccess } from '../aws/access.ts';
import { SecretReader } from '../aws/secrets.ts';
import { BREAKER_ACCESS, CircuitBreaker } from '../breaker/breaker.ts';
import { LEDGER_ACCESS, Ledger } from '../completion/ledger.ts';
import { COMPLETION_ACCESS, CompletionStore } from '../completion/store.ts';
import type { Route } from '../config/index.ts';
import { QUARANTINE_ACCESS, QuarantineStore, quarantinesKeys } from '../quarantine/quarantine.ts';
import { ATTEMPT_LOG_ACCESS, AttemptLog } from './attempt-log.ts';
import { BatchingTarget } from './batching-target.ts';
import { DeadLetterEvents } from './dead-letter-events.ts';
import { Deliverer } from './deliverer.ts';
import { HttpTarget } from './http-target.ts';
import { LambdaTarget } from './lambda-target.ts';
import type { DeliverLogger, DeliverMetrics } from './observability.ts';
import { CLAIM_CHECK_READ_ACCESS } from './payload.ts';
import type { Target } from './target.ts';

export interface DelivererWiring {
  readonly route: Route;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** The bucket of the route's archive objects. */
  readonly bucket: string;
  readonly completionTable: string;
  readonly clients: {
    readonly sqs: SQSClient;
    readonly s3: S3Client;
    readonly dynamo: DynamoDBClient;
    readonly secrets: SecretsManagerClient;
    readonly lambda: LambdaClient;
  };
  /** The notifier's dead-letter events queue (I7); dead letters are not announced without it. */
  readonly deadLetterEventsQueueUrl?: string;
  readonly metrics?: DeliverMetrics;
  readonly logger?: DeliverLogger;
  /** Replaces the target built from the route's endpoint (tests). */
  readonly target?: Target;
}

/** The route's target: its HTTP endpoint or Lambda function. */
export function targetOf(route: Route, secrets: SecretReader, lambda: LambdaClient): Target {
  const endpoint = route.endpoint;
  if (endpoint.type === 'http') {
    const target = new HttpTarget({ endpoint, responses: route.responses, secrets });
    const batch = route.deliver.batch;
    return batch === undefined ? target : new BatchingTarget(target, batch);
  }
  return new LambdaTarget(lambda, endpoint);
}

/**
 * What the deliverer createDeliverer wires calls on the table and bucket: per batch one read of
 * the route's ledger state and one ledger entry, the quarantine Query and the breaker's item
 * when the route has them; per replayed record its per-record completion (BatchGetItem, PutItem);
 * per failing record the attempt log; the archive and claim-check payloads.
 */
export function delivererAccess(route: Route): RouteDataAccess {
  return {
    table: [
      LEDGER_ACCESS.readState,
      LEDGER_ACCESS.writeEntry,
      COMPLETION_ACCESS.readMany,
      COMPLETION_ACCESS.write,
      ATTEMPT_LOG_ACCESS,
      ...(quarantinesKeys(route) ? [QUARANTINE_ACCESS.read, QUARANTINE_ACCESS.mark] : []),
      ...(route.breaker === undefined ? [] : [BREAKER_ACCESS]),
    ],
    bucket: [CLAIM_CHECK_READ_ACCESS, ARCHIVE_ACCESS.write],
  };
}

/** A Deliverer with everything it needs, built the same way by the function, local mode and tests. */
export function createDeliverer(wiring: DelivererWiring): Deliverer {
  const { route, clients } = wiring;
  const breakerConfig = route.breaker;
  return new Deliverer({
    route,
    target: wiring.target ?? targetOf(route, new SecretReader(clients.secrets), clients.lambda),
    sqs: clients.sqs,
    queueUrl: wiring.queueUrl,
    deadLetterQueueUrl: wiring.deadLetterQueueUrl,
    s3: clients.s3,
    archive: new Archive(clients.s3, wiring.bucket),
    completions: new CompletionStore({ client: clients.dynamo, tableName: wiring.completionTable }),
    ledger: new Ledger({ client: clients.dynamo, tableName: wiring.completionTable }),
    quarantine: new QuarantineStore(clients.dynamo, wiring.completionTable),
    attemptLog: new AttemptLog(clients.dynamo, wiring.completionTable),
    ...(breakerConfig === undefined
      ? {}
      : {
          breaker: () =>
            new CircuitBreaker({
              client: clients.dynamo,
              tableName: wiring.completionTable,
              route: route.name,
              config: breakerConfig,
              // A probe that has not answered within its timeout (plus margin) is presumed lost.
              probeLeaseMs: route.endpoint.timeoutMs + 5_000,
            }),
        }),
    ...(wiring.deadLetterEventsQueueUrl === undefined
      ? {}
      : { deadLetterEvents: new DeadLetterEvents(clients.sqs, wiring.deadLetterEventsQueueUrl) }),
    ...(wiring.metrics === undefined ? {} : { metrics: wiring.metrics }),
    ...(wiring.logger === undefined ? {} : { logger: wiring.logger }),
  });
}
