import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError, SecretReader } from '../../../lib/aws/secrets.ts';
import type { KafkaConfig } from '../../../lib/config/index.ts';
import { describeKafkaAuth, saslOptions, tlsOptions } from '../../../lib/kafka/auth.ts';

/** A SecretReader over fixed values (the reader itself is tested against moto elsewhere). */
function reader(values: Record<string, unknown>): SecretReader {
  const client = {
    send: async (command: { input: { SecretId?: string } }) => {
      const value = values[command.input.SecretId ?? ''];
      return { SecretString: typeof value === 'string' ? value : JSON.stringify(value) };
    },
  };
  return new SecretReader(client as unknown as SecretsManagerClient);
}

// Throwaway certificates made by openssl (which scripts/kafka.sh needs too): a CA, a client
// certificate it signed, and a key of another pair.
let dir = '';
const pem: Record<string, string> = {};
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-auth-test-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  // A self-signed certificate `<name>.pem` for `/CN=<name>` and its key `<name>.key`.
  const selfSigned = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    );
  selfSigned('ca');
  selfSigned('client');
  openssl('genpkey', '-algorithm', 'RSA', '-out', 'other.key');
  for (const name of ['ca.pem', 'client.pem', 'client.key', 'other.key']) {
    pem[name] = readFileSync(join(dir, name), 'utf8');
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

const MTLS: KafkaConfig = { brokers: ['b:9094'], ssl: true, mtls: { secret: 'kafka/mtls' } };

describe('mTLS secret', () => {
  test('gives kafkajs the certificate, the key and the CA', async () => {
    const secret = {
      certificate: pem['client.pem'],
      privateKey: pem['client.key'],
      caCertificate: pem['ca.pem'],
    };
    const ssl = await tlsOptions(MTLS, reader({ 'kafka/mtls': secret }));
    assert.deepEqual(ssl, { cert: pem['client.pem'], key: pem['client.key'], ca: pem['ca.pem'] });
  });

  test('without caCertificate, the system CAs verify the broker (as on MSK)', async () => {
    const secret = { certificate: pem['client.pem'], privateKey: pem['client.key'] };
    const ssl = await tlsOptions(MTLS, reader({ 'kafka/mtls': secret }));
    assert.deepEqual(ssl, { cert: pem['client.pem'], key: pem['client.key'] });
  });

  const malformed: [string, () => unknown, RegExp][] = [
    ['not JSON', () => 'certificate', /is not JSON/],
    ['no certificate', () => ({ privateKey: pem['client.key'] }), /field "certificate" is missing/],
    ['no privateKey', () => ({ certificate: pem['client.pem'] }), /field "privateKey" is missing/],
    [
      'a certificate that is not PEM',
      () => ({ certificate: 'MIIB', privateKey: pem['client.key'] }),
      /field "certificate" is not a PEM certificate/,
    ],
    [
      'a key that is not PEM',
      () => ({ certificate: pem['client.pem'], privateKey: 'secret-key-value' }),
      /field "privateKey" is not an unencrypted PEM private key/,
    ],
    [
      'the key of another certificate',
      () => ({ certificate: pem['client.pem'], privateKey: pem['other.key'] }),
      /"privateKey" is not the key of the certificate/,
    ],
    [
      'a CA that is not PEM',
      () => ({ certificate: pem['client.pem'], privateKey: pem['client.key'], caCertificate: 'x' }),
      /field "caCertificate" is not a PEM certificate/,
    ],
  ];
  for (const [problem, value, message] of malformed) {
    test(`${problem}: a SecretError naming the secret and the field, never the value`, async () => {
      const error = await tlsOptions(MTLS, reader({ 'kafka/mtls': value() })).then(
        () => assert.fail('expected a SecretError'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof SecretError, String(error));
      assert.match(error.message, /^secret kafka\/mtls: /);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /BEGIN|secret-key-value|MIIB/);
    });
  }
});

describe('SCRAM secret', () => {
  const SCRAM: KafkaConfig = {
    brokers: ['b:9094'],
    ssl: true,
    sasl: { mechanism: 'scram-sha-512', secret: 'AmazonMSK_bridge' },
  };

  test("MSK's {username, password}: SASL credentials, TLS with the system CAs", async () => {
    const secrets = reader({ AmazonMSK_bridge: { username: 'bridge', password: 'pw' } });
    assert.equal(await tlsOptions(SCRAM, secrets), true);
    assert.deepEqual(await saslOptions(SCRAM.sasl ?? assert.fail(), secrets), {
      mechanism: 'scram-sha-512',
      username: 'bridge',
      password: 'pw',
    });
  });

  test('an optional caCertificate is trusted for the broker', async () => {
    const secrets = reader({
      AmazonMSK_bridge: { username: 'u', password: 'p', caCertificate: pem['ca.pem'] },
    });
    assert.deepEqual(await tlsOptions(SCRAM, secrets), { ca: pem['ca.pem'] });
  });

  test('a missing password names the secret and the field', async () => {
    const secrets = reader({ AmazonMSK_bridge: { username: 'bridge' } });
    await assert.rejects(saslOptions(SCRAM.sasl ?? assert.fail(), secrets), {
      name: 'SecretError',
      message: /^secret AmazonMSK_bridge: field "password" is missing/,
    });
  });
});

test("PLAIN reads the same {username, password} secret (a hosted service's API key and secret)", async () => {
  const plain: KafkaConfig = {
    brokers: ['b:9092'],
    ssl: true,
    sasl: { mechanism: 'plain', secret: 'kafka/confluent' },
  };
  const secrets = reader({ 'kafka/confluent': { username: 'API-KEY', password: 'api-secret' } });
  assert.equal(await tlsOptions(plain, secrets), true);
  assert.deepEqual(await saslOptions(plain.sasl ?? assert.fail(), secrets), {
    mechanism: 'plain',
    username: 'API-KEY',
    password: 'api-secret',
  });
  assert.equal(describeKafkaAuth(plain), 'SASL/PLAIN over TLS');
});

test('the auth description names mechanism and transport', () => {
  assert.equal(describeKafkaAuth(MTLS), 'mTLS (client certificate)');
  assert.equal(
    describeKafkaAuth({ brokers: ['b'], ssl: true, sasl: { mechanism: 'scram-sha-512', secret: 's' } }),
    'SASL/SCRAM-SHA-512 over TLS',
  );
  assert.equal(
    describeKafkaAuth({ brokers: ['b'], ssl: true, sasl: { mechanism: 'aws-iam' } }),
    'MSK IAM (SASL/OAUTHBEARER) over TLS',
  );
  assert.equal(describeKafkaAuth({ brokers: ['b'], ssl: false }), 'no authentication (PLAINTEXT)');
});
