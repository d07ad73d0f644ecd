// Run what ships: one route synthesized through the package's entry point, then the deliverer,
// DLQ consumer and commit function run from the code assets in cdk.out (the bundles `npm pack`
// ships), each in a process of its own with the environment its template sets (references
// resolved to the local emulators, its config layer's file in place of /opt), and the poller
// from the bundle its image context holds, with its container's environment. Records go end to
// end against the real broker; the invariant checker of the other e2e and reliability runs
// judges the result. The only values changed are the deploy-time hosts: the route is
// synthesized with a placeholder https endpoint and placeholder brokers (a deployed route may
// not point at loopback), which become the local test endpoint and broker.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { parseBridgeConfig, type RouteInput } from '../../index.ts';
import {
  checkInvariants,
  readArchive,
  readDeadLetterQueue,
  readOffsets,
  readTopic,
} from '../../lib/invariants/checker.ts';
import { requestValueDigest } from '../../lib/invariants/values.ts';
import { KafkaOffsets } from '../../lib/kafka/offsets.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { provision } from '../../lib/local/provision.ts';
import { assertReachable, awsEndpoint, uniqueName as awsUniqueName, sqsEndpoint } from '../support/aws.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  kafkaBrokers,
  uniqueName,
} from '../support/kafka.ts';
import { type LocalWorld, ShippedApp, type ShippedFunction, startProcess } from '../support/shipped.ts';
import { readTopic as readWritten } from '../support/topic-reader.ts';

const RUNNER = fileURLToPath(new URL('../support/lambda-runner.ts', import.meta.url));
const PLACEHOLDER_ENDPOINT = 'https://shipped.example.com/kafka';
const PLACEHOLDER_BROKER = 'broker.example.com:9092';

let clients: LocalClients;
let endpoint: TestEndpoint;
let outdir = '';
const children: ChildProcess[] = [];
const logs: string[] = [];

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  clients = localClients();
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await endpoint?.stop();
  if (clients !== undefined) destroyClients(clients);
  if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
});

/** A function's process: its bundle under the runner, every trigger the template gives it. */
function runFunction(shipped: ShippedApp, fn: ShippedFunction, world: LocalWorld): Promise<ChildProcess> {
  // The bundle's own source maps, as NODE_OPTIONS=--enable-source-maps does on Lambda.
  return startProcess(['--enable-source-maps', RUNNER], shipped.runnerEnv(fn, world), /runner ready/, logs);
}

describe('the synthesized bundles, run', () => {
  test('poller, deliverer, DLQ consumer and commit from cdk.out: nothing lost, order per key, committed to the end', async () => {
    const name = uniqueName('shipped');
    const topic = uniqueName('shipped-topic').replaceAll('.', '-');
    await createTopic(topic, 3);
    await createTopic(`${name}.failed`, 1);
    const accepted = new WeakSet<object>();
    endpoint = await TestEndpoint.start((request) => {
      if (request.key === 'poison') return { status: 422, body: 'unprocessable' };
      // The first attempt of every fifth record fails: the deliverer retries it.
      if (request.nth === 1 && Number(request.offset) % 5 === 0) return { status: 503, body: 'busy' };
      accepted.add(request);
      return { status: 200, body: 'ok' };
    });
    const route: RouteInput = {
      name,
      topics: [topic],
      endpoint: { type: 'http', url: PLACEHOLDER_ENDPOINT, timeoutMs: 2_000 },
      retry: { attempts: 5, inProcessAttempts: 2, baseMs: 50, maxMs: 500 },
      concurrency: 4,
      // The DLQ consumer's bundle writes the dead letter to Kafka before sending it on to the DLQ.
      deadLetter: { kafkaTopic: `${name}.failed` },
    };
    const shipped = new ShippedApp(route, [PLACEHOLDER_BROKER]);
    outdir = shipped.outdir;

    // The local resources the template's references resolve to.
    const [broker] = kafkaBrokers();
    const localRoute = { ...route, endpoint: { type: 'http' as const, url: endpoint.url, timeoutMs: 2_000 } };
    const provisioned = await provision(
      parseBridgeConfig({ kafka: { brokers: kafkaBrokers() }, routes: [localRoute] }),
      clients,
      { tableName: awsUniqueName('shipped-completions'), bucket: awsUniqueName('shipped-bucket') },
    );
    const own = provisioned.routes.get(name);
    assert.ok(own);
    const eventsUrl = (
      await clients.sqs.send(new CreateQueueCommand({ QueueName: awsUniqueName('shipped-events') }))
    ).QueueUrl as string;
    const eventsArn = (
      await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: eventsUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn as string;
    const world: LocalWorld = {
      queues: new Map(
        [own.queue, own.deadLetterQueue, own.redriveQueue].map((q) => [q.url.split('/').at(-1) ?? '', q]),
      ),
      deadLetterEvents: { url: eventsUrl, arn: eventsArn },
      bucket: provisioned.bucket,
      table: provisioned.tableName,
      placeholders: [
        [PLACEHOLDER_ENDPOINT, endpoint.url],
        [PLACEHOLDER_BROKER, broker ?? '127.0.0.1:9092'],
      ],
    };

    const deliver = shipped.deliver(world);
    assert.ok(deliver.bundle.startsWith(outdir), 'the deliverer runs the asset in cdk.out');
    assert.equal(
      shipped.localQueues(world)[`${name}:queue`]?.url,
      own.queue.url,
      "the deliverer's mapping reads the route's queue",
    );
    children.push(await runFunction(shipped, deliver, world));
    children.push(await runFunction(shipped, shipped.deadLetter(world), world));
    // The commit function from the table's stream and its schedule, as deployed.
    children.push(await runFunction(shipped, shipped.commit(world), world));
    const poller = shipped.poller(world);
    assert.ok(poller.bundle.startsWith(outdir), 'the poller runs the image context in cdk.out');
    children.push(
      await startProcess(
        ['--enable-source-maps', poller.bundle],
        // An ephemeral health port (tests run side by side), short group timeouts for a quick join.
        { ...poller.environment, HEALTH_PORT: '0', SESSION_TIMEOUT_MS: '6000', PROGRESS_POLL_MS: '300' },
        /health endpoint listening/,
        logs,
      ),
    );

    const kafka = createKafka('shipped');
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 60 }, (_, i) => ({
      key: `key-${i % 6}`,
      value: JSON.stringify({ n: i }),
    }));
    await producer.send({ topic, messages: [...messages, { key: 'poison', value: '{"n":"poison"}' }] });
    await producer.disconnect();

    const offsets = new KafkaOffsets(kafka);
    await offsets.connect();
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const { committed, logEnd } = await readOffsets(offsets, { name }, topic);
        if ([...logEnd].every(([p, high]) => high === 0n || committed.get(p) === high)) break;
        assert.ok(Date.now() < deadline, `not committed to the log end: ${logs.slice(-10).join('')}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const { committed, logEnd } = await readOffsets(offsets, { name }, topic);
      const report = checkInvariants({
        route: name,
        topic,
        produced: await readTopic(kafka, topic, uniqueName('shipped-readback')),
        requests: endpoint.received.map((r) => ({
          recordId: r.recordId,
          at: r.at,
          accepted: accepted.has(r),
          valueDigest: requestValueDigest(r.body),
        })),
        archived: await readArchive(clients.s3, provisioned.bucket, name),
        deadLetterQueue: await readDeadLetterQueue(clients.sqs, own.deadLetterQueue.url),
        committed,
        logEnd,
      });
      assert.equal(report.produced, 61);
      assert.equal(report.lost, 0, report.examples.lost.join('\n'));
      assert.equal(report.orderViolations, 0, report.examples.orderViolations.join('\n'));
      assert.equal(report.valueMismatches, 0, report.examples.valueMismatches.join('\n'));
      assert.equal(report.deadLettersWithoutDlq, 0, report.examples.deadLettersWithoutDlq.join('\n'));
      assert.equal(report.delivered, 60);
      assert.equal(report.deadLettered, 1, 'the poison record is archived and dead-lettered');
      assert.equal(report.lag, 0);
      const [failed] = await readWritten(`${name}.failed`, 1, { settleMs: 0 });
      assert.equal(failed?.key, 'poison');
      assert.equal(failed?.value, '{"n":"poison"}');
      assert.equal(failed?.headers['bridge-route'], name);
      assert.match(failed?.headers['bridge-reason'] ?? '', /422/);
    } finally {
      await offsets.disconnect();
    }
  });
});
