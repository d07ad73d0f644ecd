import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateRegistryCommand,
  CreateSchemaCommand,
  DeleteRegistryCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { GlueSchemaRegistry, SchemaCompatibilityType, SchemaType } from '@meinestadt.de/glue-schema-registry';
import {
  createRegistryClients,
  createRouteDecoder,
  DeserializationError,
  RegistryUnavailableError,
  SchemaNotFoundError,
} from '../../lib/decode/index.ts';
import { assertReachable, awsEndpoint, emulatorClientConfig, uniqueName } from '../support/aws.ts';
import {
  AVRO_ORDER_SCHEMA,
  glueFramed,
  glueProtobufPayload,
  JSON_ORDER_SCHEMA,
  ORDER,
  PROTO_ORDER,
  PROTO_ORDER_SCHEMA,
} from '../support/schemas.ts';

/*
 * route.decode with the AWS Glue Schema Registry, against moto's Glue (CreateRegistry,
 * CreateSchema, GetSchemaVersion). Avro records are written by a Glue serializer library
 * (@meinestadt.de/glue-schema-registry, the one JavaScript serializer of Glue's format); no
 * JavaScript library writes Glue's Protobuf or JSON framing, so those are framed by
 * test/support/schemas.ts around protobufjs / JSON bytes.
 */

const registryName = uniqueName('glue-registry');
let glueCalls = 0;
const glueClient = (): GlueClient => {
  const client = new GlueClient(emulatorClientConfig());
  client.middlewareStack.add(
    (next) => async (args) => {
      glueCalls++;
      return next(args);
    },
    { step: 'initialize' },
  );
  return client;
};
const decoder = (key = false) =>
  createRouteDecoder({ registry: { type: 'glue' }, key }, createRegistryClients({ glueClient }));

async function createSchema(format: 'AVRO' | 'PROTOBUF' | 'JSON', definition: string): Promise<string> {
  const answer = await new GlueClient(emulatorClientConfig()).send(
    new CreateSchemaCommand({
      RegistryId: { RegistryName: registryName },
      SchemaName: uniqueName(`order-${format.toLowerCase()}`),
      DataFormat: format,
      Compatibility: 'NONE',
      SchemaDefinition: definition,
    }),
  );
  assert.ok(answer.SchemaVersionId);
  return answer.SchemaVersionId;
}

let serde: GlueSchemaRegistry;
let avroVersion: string;

before(async () => {
  await assertReachable(awsEndpoint(), 'moto (Glue)');
  await new GlueClient(emulatorClientConfig()).send(
    new CreateRegistryCommand({ RegistryName: registryName }),
  );
  serde = new GlueSchemaRegistry(registryName, emulatorClientConfig());
  const created = await serde.createSchema({
    type: SchemaType.AVRO,
    schemaName: uniqueName('order-avro'),
    compatibility: SchemaCompatibilityType.NONE,
    schema: AVRO_ORDER_SCHEMA,
  });
  assert.ok(created);
  avroVersion = created;
});

// An account holds at most 10 registries (moto enforces it too): leave none behind.
after(async () => {
  await new GlueClient(emulatorClientConfig()).send(
    new DeleteRegistryCommand({ RegistryId: { RegistryName: registryName } }),
  );
});

describe('Glue Schema Registry decoding (moto)', () => {
  test('Avro written by a Glue serializer, plain and zlib-compressed, becomes JSON with its schema version; fetched once', async () => {
    const decode = decoder();
    const before = glueCalls;
    for (const compress of [false, true, false]) {
      const value = await serde.encode(avroVersion, ORDER, { compress });
      const decoded = await decode({ key: null, value });
      assert.deepEqual(decoded.value, ORDER);
      assert.equal(decoded.schema?.registry, 'glue');
      assert.deepEqual(
        {
          versionId: decoded.schema?.registry === 'glue' ? decoded.schema.versionId : '',
          format: decoded.schema?.format,
        },
        { versionId: avroVersion, format: 'avro' },
      );
      assert.ok(
        decoded.schema?.registry === 'glue' && decoded.schema.version === 1 && decoded.schema.schemaArn,
      );
    }
    assert.equal(glueCalls - before, 1, 'one GetSchemaVersion for three records');
  });

  test('Protobuf (message index among the sorted message types) and JSON Schema', async () => {
    const protoVersion = await createSchema('PROTOBUF', PROTO_ORDER_SCHEMA);
    const jsonVersion = await createSchema('JSON', JSON_ORDER_SCHEMA);
    const decode = decoder();
    const order = await decode({
      key: null,
      value: glueFramed(protoVersion, glueProtobufPayload('bridge.test.Order', PROTO_ORDER)),
    });
    assert.deepEqual(order.value, PROTO_ORDER);
    assert.equal(order.schema?.format, 'protobuf');
    const line = await decode({
      key: null,
      value: glueFramed(
        protoVersion,
        glueProtobufPayload('bridge.test.Order.Line', { sku: 'B', quantity: '9007199254740993' }),
        true,
      ),
    });
    assert.deepEqual(
      line.value,
      { sku: 'B', quantity: '9007199254740993' },
      'int64 as a decimal string, exact',
    );
    const json = await decode({
      key: null,
      value: glueFramed(jsonVersion, Buffer.from(JSON.stringify(ORDER))),
    });
    assert.deepEqual(json.value, ORDER);
    assert.equal(json.schema?.format, 'json');
  });

  test('keys are decoded when asked; a null key and a tombstone stay null', async () => {
    const key = await serde.encode(avroVersion, { ...ORDER, id: 1 });
    const decoded = await decoder(true)({ key, value: null });
    assert.deepEqual(decoded, {
      value: null,
      schema: null,
      key: { ...ORDER, id: 1 },
      keySchema: decoded.keySchema,
    });
    assert.equal(decoded.keySchema?.format, 'avro');
    assert.deepEqual(await decoder(true)({ key: null, value: null }), {
      value: null,
      schema: null,
      key: null,
      keySchema: null,
    });
  });

  test('an unknown schema version is SchemaNotFoundError (schema-not-found)', async () => {
    await assert.rejects(
      decoder()({ key: null, value: glueFramed(randomUUID(), Buffer.from([2, 4])) }),
      (error) => {
        assert.ok(error instanceof SchemaNotFoundError, String(error));
        assert.equal(error.reason, 'schema-not-found');
        assert.match(error.message, /record value: the Glue Schema Registry has no schema version/);
        return true;
      },
    );
  });

  test('bytes that do not decode, or are not in the format, are DeserializationError (deserialization-error)', async () => {
    const decode = decoder();
    for (const value of [
      glueFramed(avroVersion, Buffer.from([0xff, 0xff, 0xff])),
      Buffer.from('{"id": 1}'),
      Buffer.concat([Buffer.from([3, 9]), Buffer.alloc(16)]),
      glueFramed(avroVersion, Buffer.from('not zlib'), false).fill(5, 1, 2),
    ]) {
      await assert.rejects(decode({ key: null, value }), (error) => {
        assert.ok(error instanceof DeserializationError, String(error));
        assert.equal(error.reason, 'deserialization-error');
        return true;
      });
    }
  });

  test('a registry that does not answer is RegistryUnavailableError (retryable, not kept): the same decoder decodes once it answers', async () => {
    let up = false;
    const moto = new URL(awsEndpoint());
    // One client whose endpoint is a dead port until `up`: the cache must not keep the failure.
    const endpoint = async () => ({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: up ? Number(moto.port) : 9,
      path: '/',
    });
    const clients = createRegistryClients({
      glueClient: () => new GlueClient({ ...emulatorClientConfig(), endpoint }),
    });
    const decode = createRouteDecoder({ registry: { type: 'glue' }, key: false }, clients);
    const value = await serde.encode(avroVersion, ORDER);
    await assert.rejects(decode({ key: null, value }), (error) => {
      assert.ok(error instanceof RegistryUnavailableError, String(error));
      assert.equal(error.retryable, true);
      assert.ok(!(error instanceof SchemaNotFoundError || error instanceof DeserializationError));
      return true;
    });
    up = true;
    assert.deepEqual((await decode({ key: null, value })).value, ORDER);
  });
});
