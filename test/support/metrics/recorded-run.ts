/**
 * The processes of a run of what ships (test/support/shipped.ts), with every line of their
 * stdout recorded (recorder.ts): each function's bundle under test/support/lambda-runner.ts with
 * its trigger and the vended stand-ins at the run's time scale, and the poller. Also the local
 * world a one-route ShippedApp's references resolve to.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { parseBridgeConfig, type RouteInput } from '../../../index.ts';
import type { LocalClients } from '../../../lib/local/clients.ts';
import { provision, type RouteResources } from '../../../lib/local/provision.ts';
import { uniqueName } from '../aws.ts';
import { kafkaBrokers } from '../kafka.ts';
import { type LocalWorld, type ShippedFunction, startProcess } from '../shipped.ts';
import type { Datapoint } from './datapoints.ts';
import { MetricRecorder } from './recorder.ts';

const RUNNER = fileURLToPath(new URL('../lambda-runner.ts', import.meta.url));

export class RecordedRun {
  readonly recorder: MetricRecorder;
  readonly logs: string[] = [];
  readonly #children: ChildProcess[] = [];
  readonly #timeScale: number;

  constructor(name: string, timeScale: number) {
    this.recorder = new MetricRecorder(name);
    this.#timeScale = timeScale;
  }

  /** A deployed minute, in this run's milliseconds. */
  get minute(): number {
    return 60_000 / this.#timeScale;
  }

  /** A function's bundle under the runner, its schedule (if any) at a scaled minute. */
  async fn(
    fn: ShippedFunction,
    trigger: 'sqs' | 'schedule',
    env: NodeJS.ProcessEnv = {},
  ): Promise<ChildProcess> {
    const source =
      fn.source === undefined
        ? {}
        : {
            RUNNER_QUEUE_URL: fn.source.queueUrl,
            RUNNER_QUEUE_ARN: fn.source.queueArn,
            RUNNER_CONCURRENCY: String(fn.source.concurrency),
          };
    return this.#start(
      [RUNNER],
      {
        ...fn.environment,
        ...env,
        RUNNER_BUNDLE: fn.bundle,
        RUNNER_TRIGGER: trigger,
        RUNNER_TIMEOUT_MS: String(fn.timeoutMs),
        RUNNER_EVERY_MS: String(this.minute),
        RUNNER_TIME_SCALE: String(this.#timeScale),
        ...source,
      },
      /runner ready/,
    );
  }

  /** The poller's bundle; its metrics every `intervalMs` of deployed time, scaled. */
  poller(
    poller: { bundle: string; environment: NodeJS.ProcessEnv },
    intervalMs: number,
  ): Promise<ChildProcess> {
    return this.#start(
      [poller.bundle],
      {
        ...poller.environment,
        HEALTH_PORT: '0',
        SESSION_TIMEOUT_MS: '6000',
        PROGRESS_POLL_MS: '300',
        METRICS_INTERVAL_MS: String(intervalMs / this.#timeScale),
      },
      /health endpoint listening/,
    );
  }

  async #start(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
    const child = await startProcess(
      ['--enable-source-maps', ...args],
      env,
      ready,
      this.logs,
      this.recorder.feeder(),
    );
    this.#children.push(child);
    return child;
  }

  /** Stops a process (SIGKILL: a crash; SIGTERM: the runner's graceful stop) and waits for its exit. */
  stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    return exited;
  }

  /** Waits until a datapoint matching `match` was recorded; fails naming `what`. */
  async recorded(what: string, match: (p: Datapoint) => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.recorder.datapoints.some(match)) {
      assert.ok(
        Date.now() < deadline,
        `no datapoint: ${what}; ${this.logs.slice(-8).join('').slice(-2_000)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  close(): void {
    for (const child of this.#children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** The local resources a one-route ShippedApp's references resolve to, provisioned for `route`. */
export async function provisionWorld(
  clients: LocalClients,
  route: RouteInput,
  placeholders: LocalWorld['placeholders'],
  localEndpointUrl: string,
): Promise<{ world: LocalWorld; resources: RouteResources }> {
  if (route.endpoint.type !== 'http')
    throw new Error(`route ${route.name}: only an http endpoint is provisioned`);
  const localRoute = { ...route, endpoint: { ...route.endpoint, url: localEndpointUrl } };
  const provisioned = await provision(
    parseBridgeConfig({ kafka: { brokers: kafkaBrokers() }, routes: [localRoute] }),
    clients,
    { tableName: uniqueName('world-completions'), bucket: uniqueName('world-bucket') },
  );
  const resources = provisioned.routes.get(route.name);
  assert.ok(resources, `route ${route.name} provisioned`);
  const eventsUrl = (
    await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('world-events') }))
  ).QueueUrl as string;
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: eventsUrl, AttributeNames: ['QueueArn'] }),
  );
  const queues = [resources.queue, resources.deadLetterQueue, resources.redriveQueue];
  return {
    resources,
    world: {
      queues: new Map(queues.map((q) => [q.url.split('/').at(-1) ?? '', q])),
      deadLetterEvents: { url: eventsUrl, arn: attributes.Attributes?.QueueArn as string },
      bucket: provisioned.bucket,
      table: provisioned.tableName,
      placeholders,
    },
  };
}
