// Runs one deployed Lambda bundle (a synthesized asset's index.mjs) the way Lambda would, in a
// process of its own: the function's environment is this process's (the bundle reads it at
// cold start, once), and every trigger the template gives it (SQS event source mappings, the
// table's stream mapping, schedules) runs locally with the template's settings
// (lib/local/triggers.ts: batch sizes, windows, concurrency, reserved concurrency, filters,
// retries, the function's timeout and Lambda's payload limit). Started by test/support/shipped.ts.
//
// RUNNER_BUNDLE   absolute path of the bundle (index.mjs); its `handler` export is invoked
// RUNNER_WIRING   JSON: { wiring, key, queues: { <wiring key>: { url, arn } }, tableName }
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { FunctionTriggers } from '../../lib/local/triggers.ts';
import type { Wiring } from '../../lib/local/wiring.ts';

export interface RunnerWiring {
  readonly wiring: Wiring;
  readonly key: string;
  readonly queues: Readonly<Record<string, { url: string; arn: string }>>;
  readonly tableName: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`lambda-runner: ${name} is not set`);
  return value;
}

const given = JSON.parse(env('RUNNER_WIRING')) as RunnerWiring;
const { handler } = (await import(pathToFileURL(env('RUNNER_BUNDLE')).href)) as {
  handler: (event: unknown, context: Context) => Promise<SQSBatchResponse | undefined>;
};
const report = (error: unknown) =>
  process.stderr.write(
    `invocation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );

const triggers = new FunctionTriggers(
  given.wiring,
  given.key,
  {
    sqs: new SQSClient({}),
    dynamo: new DynamoDBClient({}),
    // The stream is served where DynamoDB is (moto, or DynamoDB Local when that variable is set).
    streams: new DynamoDBStreamsClient(
      process.env.AWS_ENDPOINT_URL_DYNAMODB === undefined
        ? {}
        : { endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB },
    ),
    tableName: given.tableName,
    queue: (key) => {
      const queue = given.queues[key];
      if (queue === undefined) throw new Error(`lambda-runner: no local queue for ${key}`);
      return queue;
    },
  },
  { sqs: handler, stream: handler, schedule: handler },
  report,
);
await triggers.start();
process.stdout.write(`runner ready ${JSON.stringify(triggers.describe())}\n`);
process.once('SIGTERM', () => {
  void triggers.stop().then(() => process.exit(0));
});
