// The Kafka failure destination (deadLetter.kafkaTopic) end to end in local mode, against the
// real broker and emulators: a record the endpoint refuses is read by the poller, dead-lettered
// by the deliverer, and written by the DLQ consumer to the failure topic with its key, value and
// headers plus the bridge-* headers, and still lands in the DLQ. With the failure topic's broker
// unreachable (the DLQ consumer's bootstrap address refuses connections) the dead letter stays
// in the redrive queue, reaches neither the topic nor the DLQ, and lands once Kafka answers.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { Kafka, logLevel } from 'kafkajs';
import { parseBridgeConfig, type Route } from '../../lib/config/index.ts';
import { DEAD_LETTER_HEADERS } from '../../lib/deliver/dead-letter-topic.ts';
import { DEAD_LETTER_MARKER } from '../../lib/deliver/redrive.ts';
import { LocalBridge } from '../../lib/local/bridge.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { type Provisioned, provision } from '../../lib/local/provision.ts';
import { queueWiring, wiringKey } from '../../lib/local/wiring.ts';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import {
  assertKafkaReachable,
  createKafka,
  createTopic,
  deleteTopics,
  uniqueName,
} from '../support/kafka.ts';
import { readTopic } from '../support/topic-reader.ts';
import { eventually, problemLog } from '../support/wait.ts';

let clients: LocalClients;
let endpoint: TestEndpoint;
const topics: string[] = [];
const { problems, log } = problemLog();

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  clients = localClients();
  // Every record is refused for good: the deliverer dead-letters it at its first attempt.
  endpoint = await TestEndpoint.start(() => ({ status: 422, body: 'unprocessable order' }));
});

after(async () => {
  await endpoint?.stop();
  if (clients !== undefined) destroyClients(clients);
  await deleteTopics(topics).catch(() => undefined);
});

interface World {
  readonly route: Route;
  readonly source: string;
  readonly failures: string;
  readonly provisioned: Provisioned;
}

async function world(prefix: string): Promise<World> {
  const source = uniqueName(`${prefix}-src`).replaceAll('.', '-');
  const failures = `${source}-failed`;
  topics.push(source, failures);
  await createTopic(source, 1);
  await createTopic(failures, 2);
  const config = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      {
        name: uniqueName(prefix),
        topics: [source],
        endpoint: { type: 'http', url: endpoint.url, timeoutMs: 2_000 },
        retry: { attempts: 1, inProcessAttempts: 1 },
        onPoison: 'dlq',
        deadLetter: { kafkaTopic: failures },
      },
    ],
  });
  const [route] = config.routes;
  assert.ok(route);
  const provisioned = await provision(config, clients, {
    tableName: uniqueName('completions'),
    bucket: uniqueName('bucket'),
  });
  return { route, source, failures, provisioned };
}

async function produce(topic: string): Promise<void> {
  const producer = createKafka('dead-letter-topic-test').producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [{ key: 'order-7', value: '{"total":12}', headers: { trace: ['abc', 'def'], tenant: 'a' } }],
  });
  await producer.disconnect();
}

function bridgeOf(w: World, deadLetterKafka?: Kafka): LocalBridge {
  return new LocalBridge({
    routes: [w.route],
    clients,
    provisioned: w.provisioned,
    kafka: createKafka(uniqueName('dlt-bridge')),
    ...(deadLetterKafka === undefined ? {} : { deadLetterKafka }),
    log,
  });
}

/** The DLQ's first message, left visible for the next look. */
async function deadLetterOf(queueUrl: string): Promise<Message | undefined> {
  const got = await clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 0,
      WaitTimeSeconds: 1,
    }),
  );
  return got.Messages?.[0];
}

async function messagesIn(queueUrl: string): Promise<number> {
  const got = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const a = got.Attributes ?? {};
  return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
}

function assertWritten(w: World, record: Awaited<ReturnType<typeof readTopic>>[number] | undefined): void {
  assert.ok(record, 'the dead letter is on the failure topic');
  assert.equal(record.key, 'order-7');
  assert.equal(record.value, '{"total":12}');
  assert.equal(record.headers.trace, 'abc,def', 'a repeated header keeps both values, in order');
  assert.equal(record.headers.tenant, 'a');
  assert.equal(record.headers[DEAD_LETTER_HEADERS.route], w.route.name);
  assert.match(record.headers[DEAD_LETTER_HEADERS.reason] ?? '', /422/);
  assert.equal(record.headers[DEAD_LETTER_HEADERS.attempts], '1');
  assert.equal(record.headers[DEAD_LETTER_HEADERS.topic], w.source);
  assert.equal(record.headers[DEAD_LETTER_HEADERS.partition], '0');
  assert.equal(record.headers[DEAD_LETTER_HEADERS.offset], '0');
}

/** A TCP relay to the shared broker that refuses connections until opened. */
class Relay {
  open = false;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  private constructor() {
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      if (!this.open) return socket.destroy();
      const upstream = tcpConnect(9092, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
  }
  static async start(): Promise<Relay> {
    const relay = new Relay();
    await new Promise<void>((resolve) => relay.#server.listen(0, '127.0.0.1', resolve));
    return relay;
  }
  get address(): string {
    return `127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

describe('deadLetter.kafkaTopic', () => {
  test('a refused record lands on the failure topic with its key, value, headers and the bridge-* headers, and in the DLQ', {
    timeout: 120_000,
  }, async () => {
    const w = await world('dlt');
    const resources = w.provisioned.routes.get(w.route.name);
    assert.ok(resources);
    await produce(w.source);
    const bridge = bridgeOf(w);
    await bridge.start();
    try {
      const [written] = await readTopic(w.failures, 1, { timeoutMs: 60_000 });
      assertWritten(w, written);
      const dead = await eventually(
        'the dead letter in the DLQ',
        () => deadLetterOf(resources.deadLetterQueue.url),
        {
          timeoutMs: 30_000,
          intervalMs: 200,
          problems,
        },
      );
      assert.match(dead.MessageAttributes?.[DEAD_LETTER_MARKER]?.StringValue ?? '', /^s3:\/\//);
      await eventually(
        'the commit past the record',
        async () => {
          const partition = bridge.progress()[0]?.partitions[0];
          return partition?.after === 1n ? partition : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, problems },
      );
    } finally {
      await bridge.stop();
    }
  });

  test('the failure topic unreachable: the dead letter stays in the redrive queue, then lands when Kafka answers', {
    timeout: 180_000,
  }, async () => {
    const w = await world('dlt-down');
    const resources = w.provisioned.routes.get(w.route.name);
    assert.ok(resources);
    const relay = await Relay.start();
    const deadLetterKafka = new Kafka({
      clientId: uniqueName('dlt-writer'),
      brokers: [relay.address],
      connectionTimeout: 1_000,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
      logLevel: logLevel.NOTHING,
    });
    await produce(w.source);
    // The redrive queue's visibility is the template's (minutes, as deployed): scaled to about
    // 10 s so the failed message comes back within the test. What is asserted (kept, then
    // written once Kafka answers) does not depend on how long it stays invisible.
    const deployed = Number(
      queueWiring(w.provisioned.wiring, wiringKey('redrive', w.route.name)).attributes.VisibilityTimeout,
    );
    await clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: resources.redriveQueue.url,
        Attributes: { VisibilityTimeout: String(Math.max(1, Math.min(deployed, 10))) },
      }),
    );
    const bridge = bridgeOf(w, deadLetterKafka);
    await bridge.start();
    try {
      // The deliverer dead-letters the record and completes it; the DLQ consumer cannot write it.
      await eventually(
        'the dead letter in the redrive queue',
        async () => ((await messagesIn(resources.redriveQueue.url)) === 1 ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 200,
          problems,
        },
      );
      await eventually(
        'a failed write to the failure topic',
        async () => (problems.some((p) => p.includes(`Kafka topic ${w.failures}`)) ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
      assert.equal(await messagesIn(resources.deadLetterQueue.url), 0, 'not sent on to the DLQ unwritten');
      assert.equal(await messagesIn(resources.redriveQueue.url), 1, 'kept in the redrive queue');
      relay.open = true;
      // It comes back after the redrive queue's (scaled) visibility timeout and lands.
      const [written] = await readTopic(w.failures, 1, { timeoutMs: 120_000 });
      assertWritten(w, written);
      await eventually('the dead letter in the DLQ', () => deadLetterOf(resources.deadLetterQueue.url), {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      assert.equal(await messagesIn(resources.redriveQueue.url), 0);
    } finally {
      await bridge.stop();
      await relay.stop();
    }
  });
});
