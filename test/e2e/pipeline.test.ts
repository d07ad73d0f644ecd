// The poller's forwarding pipeline end to end: a LocalBridge (poller, deliverer, commit loop)
// against the real broker and emulators, with route.filter and route.decode configured as a
// team would. Filtered records are committed and never sent; Avro and Protobuf records reach the
// endpoint as JSON; records that cannot be decoded are dead-lettered with their reason while the
// partition goes on; a registry that stops holds the partition, which resumes when it is back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateRegistryCommand,
  CreateSchemaCommand,
  DeleteRegistryCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  GlueSchemaRegistry,
  SchemaType as GlueType,
  SchemaCompatibilityType,
} from '@meinestadt.de/glue-schema-registry';
import type { Producer } from 'kafkajs';
import { parseBridgeConfig } from '../../lib/config/index.ts';
import { destroyClients } from '../../lib/local/clients.ts';
import {
  assertReachable,
  awsEndpoint,
  emulatorClientConfig,
  sqsEndpoint,
  uniqueName,
} from '../support/aws.ts';
import { TestConfluentRegistry } from '../support/confluent-registry.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import { assertKafkaReachable, createKafka, createTopic, kafkaBrokers } from '../support/kafka.ts';
import { type RunningLocalBridge, startLocalBridge } from '../support/local-bridge.ts';
import {
  AVRO_ORDER_SCHEMA,
  glueFramed,
  glueProtobufPayload,
  ORDER,
  PROTO_ORDER,
  PROTO_ORDER_SCHEMA,
} from '../support/schemas.ts';
import { eventually, problemLog } from '../support/wait.ts';

const { problems, log } = problemLog();
let endpoint: TestEndpoint;
let producer: Producer;
const bridges: RunningLocalBridge[] = [];
const registryName = uniqueName('e2e-registry');
const glue = new GlueClient(emulatorClientConfig());

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB, Glue)');
  await assertKafkaReachable();
  endpoint = await TestEndpoint.start();
  producer = createKafka('pipeline-e2e').producer();
  await producer.connect();
  await glue.send(new CreateRegistryCommand({ RegistryName: registryName }));
});

after(async () => {
  for (const running of bridges) {
    await running.bridge.stop();
    destroyClients(running.clients);
  }
  await producer.disconnect();
  await endpoint.stop();
  // An account holds at most 10 registries (moto enforces it too): leave none behind.
  await glue.send(new DeleteRegistryCommand({ RegistryId: { RegistryName: registryName } }));
});

/** A LocalBridge running one route on a new one-partition topic; `route` adds to the route's config. */
async function bridgeFor(prefix: string, route: Record<string, unknown>) {
  const topic = uniqueName(prefix);
  await createTopic(topic, 1);
  const name = uniqueName(prefix);
  const config = parseBridgeConfig({
    kafka: { brokers: kafkaBrokers() },
    routes: [{ name, topics: [topic], endpoint: { type: 'http', url: endpoint.url }, ...route }],
  });
  const running = await startLocalBridge(config, {
    tableName: uniqueName(`${prefix}-table`),
    bucket: uniqueName(`${prefix}-bucket`),
    clientId: name,
    log,
  });
  bridges.push(running);
  const resources = running.provisioned.routes.get(name) ?? assert.fail('route not provisioned');
  return { name, topic, running, resources };
}

const wait = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000) =>
  eventually(what, async () => probe(), { timeoutMs, intervalMs: 200, problems });

/** The route's committed offset of partition 0 from the commit loop (or the poller's filtered-tail commit). */
function committed(running: RunningLocalBridge, name: string): bigint | undefined {
  const route = running.bridge.progress().find((r) => r.route === name);
  const fromCommit = route?.partitions.find((p) => p.partition === 0)?.after;
  const fromPoller = route?.poller.partitions.find((p) => p.partition === 0)?.committed;
  const values = [fromCommit, fromPoller === undefined ? undefined : BigInt(fromPoller)].filter(
    (v): v is bigint => v !== undefined,
  );
  return values.length === 0 ? undefined : values.reduce((a, b) => (a > b ? a : b));
}

const bodiesOf = (name: string) =>
  endpoint.received
    .filter((r) => r.recordId.startsWith(`${name}/`))
    .map((r) => JSON.parse(r.body.toString()));

describe('forwarding pipeline (LocalBridge)', () => {
  test('a filtered route: filtered records are committed, never sent', { timeout: 60_000 }, async () => {
    const { name, topic, running } = await bridgeFor('flt-e2e', { filter: { value: { keep: [true] } } });
    const messages = Array.from({ length: 30 }, (_, n) => ({
      key: `k${n % 4}`,
      value: JSON.stringify({ n, keep: n % 3 === 0 }),
    }));
    // The last records are filtered: the poller itself commits past a filtered tail.
    await producer.send({ topic, messages });

    await wait('the whole topic committed', () => (committed(running, name) === 30n ? true : undefined));
    const sent = bodiesOf(name).map(
      (body) => JSON.parse(Buffer.from(body.value.inline, 'base64').toString()).n,
    );
    assert.deepEqual(
      sent.sort((a: number, b: number) => a - b),
      [0, 3, 6, 9, 12, 15, 18, 21, 24, 27],
    );
    const poller = running.bridge.progress()[0]?.poller.partitions[0];
    assert.equal(poller?.filtered, 20);
    assert.equal(poller?.forwarded, 10);
  });

  test('Glue: Avro and Protobuf records reach the endpoint as JSON; a corrupt record and an unknown schema version are dead-lettered with their reasons', {
    timeout: 60_000,
  }, async () => {
    const serde = new GlueSchemaRegistry(registryName, emulatorClientConfig());
    const avro = await serde.createSchema({
      type: GlueType.AVRO,
      schemaName: uniqueName('order-avro'),
      compatibility: SchemaCompatibilityType.NONE,
      schema: AVRO_ORDER_SCHEMA,
    });
    // The Glue serializer library writes Avro only: the Protobuf schema is created with the SDK
    // and its records framed around protobufjs bytes (test/support/schemas.ts).
    const created = await glue.send(
      new CreateSchemaCommand({
        RegistryId: { RegistryName: registryName },
        SchemaName: uniqueName('order-proto'),
        DataFormat: 'PROTOBUF',
        Compatibility: 'NONE',
        SchemaDefinition: PROTO_ORDER_SCHEMA,
      }),
    );
    const proto = created.SchemaVersionId;
    assert.ok(avro && proto);
    const { name, topic, running, resources } = await bridgeFor('glue-e2e', {
      decode: { registry: { type: 'glue', registryName } },
    });
    await producer.send({
      topic,
      messages: [
        { key: 'a', value: await serde.encode(avro, ORDER) },
        { key: 'b', value: Buffer.from('not in the Glue wire format') },
        { key: 'c', value: glueFramed(randomUUID(), glueProtobufPayload('bridge.test.Order', PROTO_ORDER)) },
        { key: 'd', value: glueFramed(proto, glueProtobufPayload('bridge.test.Order', PROTO_ORDER)) },
      ],
    });

    await wait('the four records committed', () => (committed(running, name) === 4n ? true : undefined));
    const bodies = bodiesOf(name).sort((a, b) => Number(a.offset) - Number(b.offset));
    assert.deepEqual(
      bodies.map((b) => [b.offset, b.value, b.schema?.value?.versionId, b.schema?.value?.format]),
      [
        ['0', { json: ORDER }, avro, 'avro'],
        ['3', { json: PROTO_ORDER }, proto, 'protobuf'],
      ],
    );
    const dlq = await running.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.deadLetterQueue.url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    const reasons = (dlq.Messages ?? [])
      .map((m) => m.MessageAttributes?.['bridge-reason']?.StringValue ?? '')
      .map((reason) => reason.split(':')[0])
      .sort();
    assert.deepEqual(reasons, ['deserialization-error', 'schema-not-found']);
  });

  test('Confluent: a stopped registry holds the partition, nothing is dead-lettered, and it resumes when the registry is back', {
    timeout: 60_000,
  }, async () => {
    const registry = await new TestConfluentRegistry().start();
    const serializer = new SchemaRegistry({ host: registry.url });
    const { id } = await serializer.register(
      { type: SchemaType.AVRO, schema: AVRO_ORDER_SCHEMA },
      { subject: uniqueName('orders-avro') },
    );
    const { name, topic, running, resources } = await bridgeFor('hold-e2e', {
      decode: { registry: { type: 'confluent', url: registry.url, timeoutMs: 500 } },
    });
    // Written while the registry is up (the serializer reads the schema), produced once it is gone.
    const values = await Promise.all([1, 2, 3].map((n) => serializer.encode(id, { ...ORDER, id: n })));
    await registry.stop();
    await producer.send({ topic, messages: values.map((value, n) => ({ key: `k${n}`, value })) });

    const held = await wait('the partition held by the registry', () => {
      const partition = running.bridge.progress()[0]?.poller.partitions[0];
      return partition?.paused.includes('registry') ? partition : undefined;
    });
    assert.match(held.lastError ?? '', /registry/);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(bodiesOf(name), [], 'nothing reaches the endpoint while the registry is away');

    await registry.start(); // the same port
    await wait('the records delivered once the registry is back', () =>
      bodiesOf(name).length === 3 ? true : undefined,
    );
    assert.deepEqual(
      bodiesOf(name)
        .map((b) => b.value.json.id)
        .sort(),
      [1, 2, 3],
    );
    await wait('the three records committed', () => (committed(running, name) === 3n ? true : undefined));
    const dlq = await running.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.deadLetterQueue.url, MaxNumberOfMessages: 10 }),
    );
    assert.deepEqual(dlq.Messages ?? [], [], 'a registry that does not answer never dead-letters');
    await registry.stop();
  });
});
