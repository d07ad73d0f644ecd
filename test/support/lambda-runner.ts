// Runs one deployed Lambda bundle (a synthesized asset's index.mjs) the way Lambda would, in a
// process of its own: the function's environment is this process's (the bundle reads it at
// cold start, once), and every trigger the template gives it (SQS event source mappings, the
// table's stream mapping, schedules) runs locally with the template's settings
// (lib/local/triggers.ts: batch sizes, windows, concurrency, reserved concurrency, filters,
// retries, the function's timeout and Lambda's payload limit). What AWS would publish about the
// invocations (Lambda Errors, SQS age) is written as EMF on stdout (metrics/vended.ts).
// Started by test/support/shipped.ts (ShippedApp.runnerEnv).
//
// RUNNER_BUNDLE       absolute path of the bundle (index.mjs); its `handler` export is invoked
// RUNNER_WIRING       JSON RunnerWiring: the template's wiring, the function, the local world
// RUNNER_TIME_SCALE   the run's clocks are divided by this (default 1): the schedules' rates and
//                     the vended metrics' minute
import { pathToFileURL } from 'node:url';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { FunctionTriggers } from '../../lib/local/triggers.ts';
import { functionWiring, type Wiring } from '../../lib/local/wiring.ts';
import { withVendedMetrics } from './metrics/vended.ts';

export interface RunnerWiring {
  readonly wiring: Wiring;
  readonly key: string;
  readonly queues: Readonly<Record<string, { url: string; arn: string }>>;
  readonly tableName: string;
  /**
   * Where Lambda's own pollers read (the queues, the table's stream): the emulators, whatever
   * the function's environment says (a test may break the function's own DynamoDB endpoint).
   */
  readonly endpoints: { readonly sqs: string | undefined; readonly dynamodb: string | undefined };
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`lambda-runner: ${name} is not set`);
  return value;
}

const given = JSON.parse(env('RUNNER_WIRING')) as RunnerWiring;
const timeScale = Number(process.env.RUNNER_TIME_SCALE ?? 1);
const bundle = (await import(pathToFileURL(env('RUNNER_BUNDLE')).href)) as {
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
};
const { handler } = withVendedMetrics(bundle.handler, {
  functionName: env('AWS_LAMBDA_FUNCTION_NAME'),
  timeoutMs: functionWiring(given.wiring, given.key).timeoutMs,
  timeScale,
  write: (line) => process.stdout.write(`${line}\n`),
});
const invoke = handler as (event: unknown, context: Context) => Promise<SQSBatchResponse | undefined>;
const report = (error: unknown) =>
  process.stderr.write(
    `invocation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
const at = (endpoint: string | undefined) => (endpoint === undefined ? {} : { endpoint });

const triggers = new FunctionTriggers(
  given.wiring,
  given.key,
  {
    sqs: new SQSClient(at(given.endpoints.sqs)),
    streams: new DynamoDBStreamsClient(at(given.endpoints.dynamodb)),
    tableName: given.tableName,
    queue: (key) => {
      const queue = given.queues[key];
      if (queue === undefined) throw new Error(`lambda-runner: no local queue for ${key}`);
      return queue;
    },
  },
  { sqs: invoke, stream: invoke, schedule: invoke },
  report,
  { timeScale },
);
await triggers.start();
process.stdout.write(`runner ready ${JSON.stringify(triggers.describe())}\n`);
process.once('SIGTERM', () => {
  void triggers.stop().then(() => process.exit(0));
});
