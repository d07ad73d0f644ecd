// What endpoint teams get (issue 24) end to end in local mode: records produced to the real
// broker, forwarded by the poller, delivered by the deliverer and committed, on ElasticMQ and
// moto. One route batches its calls and signs them with Standard Webhooks (each call verified by
// the standardwebhooks library, every record judged by the invariant checker: nothing lost, order
// per key, values intact); one authenticates with OAuth2 client credentials (oidc-provider) and a
// client certificate (an HTTPS endpoint that requires one).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { Webhook } from 'standardwebhooks';
import { type BridgeConfig, parseBridgeConfig } from '../../lib/config/index.ts';
import {
  checkInvariants,
  readArchive,
  readDeadLetterQueue,
  readOffsets,
  readTopic,
} from '../../lib/invariants/checker.ts';
import { requestValueDigest } from '../../lib/invariants/values.ts';
import { KafkaOffsets } from '../../lib/kafka/offsets.ts';
import { LocalBridge } from '../../lib/local/bridge.ts';
import { destroyClients, type LocalClients, localClients } from '../../lib/local/clients.ts';
import { type Provisioned, provision } from '../../lib/local/provision.ts';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import { type ReceivedRequest, TestEndpoint } from '../support/endpoint.ts';
import { assertKafkaReachable, createKafka, createTopic, uniqueName } from '../support/kafka.ts';
import { authListener, serverTls } from '../support/kafka-auth.ts';
import { AuthorizationServer, OAUTH_CLIENT, OAUTH_SCOPE } from '../support/oauth2.ts';
import { eventually, problemLog } from '../support/wait.ts';

const RECORDS = 40;
const KEYS = 8;
let clients: LocalClients;
const { problems, log } = problemLog();
const stops: (() => Promise<unknown>)[] = [];

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB, Secrets Manager)');
  await assertKafkaReachable();
  clients = localClients();
});

after(async () => {
  for (const stop of stops.reverse()) await stop();
  if (clients !== undefined) destroyClients(clients);
});

async function secret(prefix: string, value: string): Promise<string> {
  const name = uniqueName(prefix);
  await clients.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}

async function produce(topic: string, count: number): Promise<void> {
  const producer = createKafka('delivery-features').producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `key-${i % KEYS}`,
    value: JSON.stringify({ n: i }),
  }));
  await producer.send({ topic, messages });
  await producer.disconnect();
}

/** The items of a batched call, each as the endpoint request the invariant checker judges. */
function itemsOf(request: ReceivedRequest, accepted: boolean) {
  const items = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>[];
  return items.map(({ idempotencyKey, ...envelope }) => ({
    recordId: String(idempotencyKey),
    at: request.at,
    accepted,
    valueDigest: requestValueDigest(Buffer.from(JSON.stringify(envelope))),
  }));
}

async function start(config: BridgeConfig): Promise<{ bridge: LocalBridge; provisioned: Provisioned }> {
  const provisioned = await provision(config, clients, {
    tableName: uniqueName('completions'),
    bucket: uniqueName('bucket'),
  });
  const bridge = new LocalBridge({
    routes: config.routes,
    clients,
    provisioned,
    kafka: createKafka(uniqueName('features')),
    log,
  });
  await bridge.start();
  stops.push(() => bridge.stop());
  return { bridge, provisioned };
}

const committedAll = (bridge: LocalBridge, route: string, ends: Map<number, bigint>) =>
  eventually(
    `${route} committed to the log end`,
    async () => {
      const progress = bridge.progress().find((p) => p.route === route);
      const done = [...ends].every(
        ([partition, end]) => progress?.partitions.find((p) => p.partition === partition)?.after === end,
      );
      return done ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 300, problems },
  );

describe('delivery features, from the broker to the endpoint', () => {
  test('deliver.batch with Standard Webhooks: fewer calls than records, each verified; nothing lost, order per key', {
    timeout: 180_000,
  }, async () => {
    const topic = uniqueName('features-batch').replaceAll('.', '-');
    await createTopic(topic, 2);
    const key = `whsec_${randomBytes(32).toString('base64')}`;
    const verified = new WeakSet<object>();
    const endpoint = await TestEndpoint.start((request) => {
      try {
        new Webhook(key).verify(request.body.toString('utf8'), request.headers as Record<string, string>);
      } catch {
        return { status: 401, body: 'bad signature' };
      }
      verified.add(request);
      return { status: 200, body: '{"batchItemFailures":[]}' };
    });
    stops.push(() => endpoint.stop());
    const name = uniqueName('features-batch');
    const config = parseBridgeConfig({
      kafka: { brokers: ['127.0.0.1:9092'] },
      routes: [
        {
          name,
          topics: [topic],
          endpoint: {
            type: 'http',
            url: endpoint.url,
            signing: 'standard-webhooks',
            signingSecret: await secret('whsec', key),
          },
          deliver: { batch: { maxRecords: 10 } },
        },
      ],
    });
    const { bridge, provisioned } = await start(config);
    await produce(topic, RECORDS);
    const kafka = createKafka('features-check');
    const offsets = new KafkaOffsets(kafka);
    await offsets.connect();
    try {
      const { logEnd } = await readOffsets(offsets, { name }, topic);
      await committedAll(bridge, name, logEnd);
      const { committed } = await readOffsets(offsets, { name }, topic);
      const own = provisioned.routes.get(name);
      assert.ok(own);
      const report = checkInvariants({
        route: name,
        topic,
        produced: await readTopic(kafka, topic, uniqueName('features-readback')),
        requests: endpoint.received.flatMap((r) => itemsOf(r, verified.has(r))),
        archived: await readArchive(clients.s3, provisioned.bucket, name),
        deadLetterQueue: await readDeadLetterQueue(clients.sqs, own.deadLetterQueue.url),
        committed,
        logEnd,
      });
      assert.equal(report.produced, RECORDS);
      assert.equal(report.lost, 0, report.examples.lost.join('\n'));
      assert.equal(report.orderViolations, 0, report.examples.orderViolations.join('\n'));
      assert.equal(report.valueMismatches, 0, report.examples.valueMismatches.join('\n'));
      assert.equal(report.delivered, RECORDS);
      assert.equal(report.lag, 0);
      assert.ok(
        endpoint.received.every((r) => verified.has(r)),
        'every call verified',
      );
      const sizes = endpoint.received.map((r) => itemsOf(r, true).length);
      assert.ok(sizes.length < RECORDS, `fewer calls than records: ${sizes.join(', ')}`);
    } finally {
      await offsets.disconnect();
    }
  });

  test('endpoint.auth: an OAuth2 token and a client certificate on every call over HTTPS', {
    timeout: 180_000,
  }, async () => {
    const topic = uniqueName('features-auth').replaceAll('.', '-');
    await createTopic(topic, 1);
    const server = await AuthorizationServer.start();
    stops.push(() => server.stop());
    const endpoint = await TestEndpoint.start(
      (request) =>
        String(request.headers.authorization).startsWith('Bearer ') ? { status: 200 } : { status: 401 },
      0,
      serverTls(),
    );
    stops.push(() => endpoint.stop());
    const name = uniqueName('features-auth');
    const config = parseBridgeConfig({
      kafka: { brokers: ['127.0.0.1:9092'] },
      routes: [
        {
          name,
          topics: [topic],
          endpoint: {
            type: 'http',
            url: endpoint.url,
            auth: {
              oauth2: {
                tokenUrl: server.tokenUrl,
                credentialsSecret: await secret('oauth', JSON.stringify(OAUTH_CLIENT)),
                scope: OAUTH_SCOPE,
              },
              clientCertificateSecret: await secret('mtls', JSON.stringify(authListener('mtls').secret)),
            },
          },
        },
      ],
    });
    const { bridge } = await start(config);
    await produce(topic, 10);
    await committedAll(bridge, name, new Map([[0, 10n]]));
    const calls = endpoint.received;
    assert.equal(new Set(calls.map((r) => r.recordId)).size, 10, 'each record called');
    assert.ok(
      calls.every((r) => r.clientCertificate === 'bridge-client'),
      'the client certificate',
    );
    const authorization = calls[0]?.headers.authorization;
    assert.equal(await server.scopeOf(authorization), OAUTH_SCOPE);
    assert.equal(server.tokenRequests, 1, 'one token for the run');
  });
});
