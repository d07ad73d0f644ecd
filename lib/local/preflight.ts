import { type Kafka, logLevel } from 'kafkajs';
import { createKafkaClient } from '../kafka/client.ts';
import type { LocalEndpoints } from './clients.ts';
import { LocalModeError } from './errors.ts';

const START_HINT = 'start them with: npm run infra:up   (Kafka needs Java 17+; see docs/local.md)';

/**
 * Fails fast, with one line of cause and one of remedy, when the broker or an emulator is not
 * answering: otherwise the first symptom would be a kafkajs retry storm or a bare ECONNREFUSED.
 */
export async function checkInfrastructure(endpoints: LocalEndpoints): Promise<void> {
  await answers(endpoints.aws, 'the AWS emulator (moto: S3, DynamoDB)');
  if (endpoints.dynamodb !== endpoints.aws) {
    await answers(endpoints.dynamodb, 'the DynamoDB emulator (DynamoDB Local, AWS_ENDPOINT_URL_DYNAMODB)');
  }
  await answers(endpoints.sqs, 'the SQS emulator (ElasticMQ)');
  const kafka: Kafka = await createKafkaClient(
    { brokers: [...endpoints.kafkaBrokers], ssl: false },
    { clientId: 'kafka-bridge-preflight', logLevel: logLevel.NOTHING },
  );
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 200 } });
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    throw new LocalModeError(
      `the Kafka broker is not answering at ${endpoints.kafkaBrokers.join(',')} (${(error as Error).message})`,
      START_HINT,
      { cause: error },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves when something answers HTTP at `url` (any status: even 400 or 404 proves a server).
 * The body is cancelled, never left unread: moto answers `GET /` with the whole bucket list, and
 * an unread body on a closing connection trips an assertion inside Node's fetch later on.
 */
export async function httpAnswers(url: string, timeoutMs: number): Promise<void> {
  const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
}

async function answers(url: string, what: string): Promise<void> {
  try {
    await httpAnswers(url, 3_000);
  } catch (error) {
    throw new LocalModeError(`${what} is not answering at ${url}`, START_HINT, { cause: error });
  }
}
