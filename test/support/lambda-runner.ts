// Runs one deployed Lambda bundle (a synthesized asset's index.mjs) the way Lambda would, in a
// process of its own: the function's environment is this process's (the bundle reads it at
// cold start, once), and its trigger is reproduced locally. Started by test/support/shipped.ts.
//
// RUNNER_BUNDLE       absolute path of the bundle (index.mjs); its `handler` export is invoked
// RUNNER_TRIGGER      `sqs` (Lambda's SQS event source, lib/local/event-source.ts) or `schedule`
// RUNNER_QUEUE_URL    sqs: the queue the event source mapping reads
// RUNNER_QUEUE_ARN    sqs: passed on as eventSourceARN
// RUNNER_CONCURRENCY  sqs: batches at once (the mapping's maximum concurrency)
// RUNNER_TIMEOUT_MS   the function's timeout (getRemainingTimeInMillis)
// RUNNER_EVERY_MS     schedule: the interval between invocations (fixed rate, as EventBridge's
//                     rate(), at the start of each period of the epoch clock)
// RUNNER_TIME_SCALE   the run's clocks are divided by this (default 1): the vended metrics'
//                     minute (test/support/metrics/vended.ts)
import { pathToFileURL } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { LocalEventSource, lambdaContext, type SqsBatchHandler } from '../../lib/local/event-source.ts';
import { withVendedMetrics } from './metrics/vended.ts';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`lambda-runner: ${name} is not set`);
  return value;
}

const timeoutMs = Number(env('RUNNER_TIMEOUT_MS'));
const bundle = (await import(pathToFileURL(env('RUNNER_BUNDLE')).href)) as { handler: SqsBatchHandler };
// What AWS would publish about the invocations (Lambda Errors, SQS age), as EMF on stdout.
const { handler } = withVendedMetrics(bundle.handler, {
  functionName: env('AWS_LAMBDA_FUNCTION_NAME'),
  timeoutMs,
  timeScale: Number(process.env.RUNNER_TIME_SCALE ?? 1),
  write: (line) => process.stdout.write(`${line}\n`),
});
const report = (error: unknown) =>
  process.stderr.write(
    `invocation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );

const context = (): Context => lambdaContext('shipped-bundle', timeoutMs);

let stop: () => Promise<void>;
if (env('RUNNER_TRIGGER') === 'sqs') {
  const source = new LocalEventSource({
    sqs: new SQSClient({}),
    queueUrl: env('RUNNER_QUEUE_URL'),
    queueArn: env('RUNNER_QUEUE_ARN'),
    handler,
    concurrency: Number(process.env.RUNNER_CONCURRENCY ?? 1),
    functionTimeoutMs: timeoutMs,
    onError: report,
  });
  source.start();
  stop = () => source.stop();
} else {
  const every = Number(env('RUNNER_EVERY_MS'));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    const event = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
    running = (handler as unknown as (e: unknown, c: Context) => Promise<unknown>)(event, context())
      .catch(report)
      .finally(() => {
        timer = setTimeout(tick, every - (Date.now() % every) + every / 10);
      });
  };
  tick();
  stop = async () => {
    clearTimeout(timer);
    await running;
  };
}
process.stdout.write('runner ready\n');
process.once('SIGTERM', () => {
  void stop().then(() => process.exit(0));
});
