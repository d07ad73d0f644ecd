// The Kafka secrets read at run time from Secrets Manager (moto): a malformed or missing secret
// is one error naming the secret and the field, never its value; the commit function
// (functions/commit.ts, through its middy handler) reports rejected credentials in one line
// naming the broker and the mechanism. The happy paths are in test/e2e/kafka-auth.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError, SecretReader } from '../../lib/aws/secrets.ts';
import type { KafkaConfig } from '../../lib/config/index.ts';
import { createKafkaClient } from '../../lib/kafka/client.ts';
import { assertReachable, awsEndpoint, REGION, secretsClient, uniqueName } from '../support/aws.ts';
import { assertListening, authListener } from '../support/kafka-auth.ts';

let secrets: SecretsManagerClient;

before(async () => {
  await assertReachable(awsEndpoint(), 'moto (Secrets Manager)');
  secrets = secretsClient();
});

after(() => secrets.destroy());

async function putSecret(value: string): Promise<string> {
  const name = `bridge/${uniqueName('kafka-secret')}`;
  await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}

const mtlsConfig = (secret: string): KafkaConfig => ({
  brokers: ['127.0.0.1:9095'],
  ssl: true,
  mtls: { secret },
});

describe('Kafka secrets from Secrets Manager', () => {
  test('an mTLS secret whose key is not PEM: the secret and the field are named, the value is not', async () => {
    const { certificate } = authListener('mtls').secret;
    const name = await putSecret(JSON.stringify({ certificate, privateKey: 'hunter2-not-a-key' }));
    const error = await createKafkaClient(mtlsConfig(name), { secrets: new SecretReader(secrets) }).then(
      () => assert.fail('expected a SecretError'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SecretError, String(error));
    assert.equal(error.message, `secret ${name}: field "privateKey" is not an unencrypted PEM private key`);
    assert.doesNotMatch(error.message, /hunter2|BEGIN/);
  });

  test('a missing secret says it could not be read', async () => {
    const name = `bridge/${uniqueName('absent')}`;
    await assert.rejects(createKafkaClient(mtlsConfig(name), { secrets: new SecretReader(secrets) }), {
      name: 'SecretError',
      message: new RegExp(`^secret ${name}: could not be read: `),
    });
  });

  test('the commit function fails its cold start with one error when the broker rejects its credentials', async () => {
    const listener = authListener('scram');
    await assertListening(listener);
    const secret = await putSecret(JSON.stringify(listener.wrongSecret));
    Object.assign(process.env, {
      BRIDGE_CONFIG_JSON: JSON.stringify({
        kafka: listener.kafkaConfig(secret),
        routes: [
          {
            name: uniqueName('commit'),
            topics: ['orders'],
            endpoint: { type: 'http', url: 'https://x.example.com' },
          },
        ],
      }),
      COMPLETION_TABLE: uniqueName('completions'),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: awsEndpoint(),
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    // The cold start (the module's top level), as Lambda's init runs it: stdout and stderr
    // captured, to check that kafkajs logged nothing of its own.
    const logged: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    const capture = ((chunk: unknown) => logged.push(String(chunk)) > 0) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    const init = import('../../functions/commit.ts').finally(() => {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    });
    await assert.rejects(init, {
      name: 'KafkaConnectionError',
      message: new RegExp(
        `^kafka: cannot connect to ${listener.broker} with SASL/SCRAM-SHA-512 over TLS: the broker rejected the credentials`,
      ),
    });
    assert.deepEqual(logged, []);
  });
});
