import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { assertRejected, config, kafkaConfig, route } from './support.ts';

describe('kafka settings', () => {
  test('brokers alone: ssl off, no client id, no SASL', () => {
    assert.deepEqual(parseBridgeConfig(config()).kafka, { brokers: ['127.0.0.1:9092'], ssl: false });
  });

  test('DNS names, IPv4 and bracketed IPv6 brokers with ports are accepted', () => {
    const brokers = ['b-1.kafka.eu-west-1.amazonaws.com:9096', '10.0.0.1:9092', '[::1]:9092', 'kafka:65535'];
    assert.deepEqual(parseBridgeConfig(config([route()], { kafka: { brokers } })).kafka.brokers, brokers);
  });

  test('SCRAM with its secret, and IAM over TLS, are accepted', () => {
    const scram = {
      brokers: ['k:9096'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', secret: 'AmazonMSK_bridge' },
    };
    assert.deepEqual(parseBridgeConfig(config([route()], { kafka: scram })).kafka, scram);
    const iam = { brokers: ['k:9098'], ssl: true, clientId: 'bridge.prod', sasl: { mechanism: 'aws-iam' } };
    assert.deepEqual(parseBridgeConfig(config([route()], { kafka: iam })).kafka, iam);
  });

  test('mTLS with its secret over TLS is accepted', () => {
    const mtls = { brokers: ['k:9094'], ssl: true, mtls: { secret: 'kafka/bridge-mtls' } };
    assert.deepEqual(parseBridgeConfig(config([route()], { kafka: mtls })).kafka, mtls);
  });

  test('mTLS needs ssl', () => {
    assertRejected(config([route()], { kafka: { brokers: ['k:9094'], mtls: { secret: 's' } } }), {
      field: 'kafka.ssl',
      message: /must be true with mtls/,
    });
  });

  test('mTLS is not combined with SASL', () => {
    const kafka = {
      brokers: ['k:9094'],
      ssl: true,
      mtls: { secret: 's' },
      sasl: { mechanism: 'scram-sha-512', secret: 'AmazonMSK_x' },
    };
    assertRejected(config([route()], { kafka }), {
      field: 'kafka.mtls',
      message: /not be combined with sasl/,
    });
  });

  test('brokers must list at least one broker', () => {
    assertRejected(config([route()], { kafka: { brokers: [] } }), {
      field: 'kafka.brokers',
      message: /at least one broker/,
    });
  });

  test('a broker needs a port', () => {
    assertRejected(config([route()], { kafka: { brokers: ['127.0.0.1:9092', 'kafka'] } }), {
      field: 'kafka.brokers[1]',
      message: /host:port/,
    });
  });

  test('a broker port is 1-65535', () => {
    assertRejected(config([route()], { kafka: { brokers: ['kafka:70000'] } }), {
      field: 'kafka.brokers[0]',
      message: /port 1-65535/,
    });
  });

  test('a broker is host:port, not a URL', () => {
    assertRejected(config([route()], { kafka: { brokers: ['kafka://k:9092'] } }), {
      field: 'kafka.brokers[0]',
      message: /host:port/,
    });
  });

  test('clientId holds only letters, digits, ".", "_" and "-"', () => {
    assertRejected(kafkaConfig({ clientId: 'bridge prod' }), { field: 'kafka.clientId' });
  });

  test('ssl is a boolean', () => {
    assertRejected(kafkaConfig({ ssl: 'yes' }), { field: 'kafka.ssl' });
  });

  test("sasl.mechanism is 'scram-sha-256', 'scram-sha-512', 'plain' or 'aws-iam'", () => {
    assertRejected(kafkaConfig({ ssl: true, sasl: { mechanism: 'gssapi', secret: 'bridge' } }), {
      field: 'kafka.sasl.mechanism',
      message: /must be one of "scram-sha-256", "scram-sha-512", "plain", "aws-iam", got the string "gssapi"/,
    });
  });

  test('PLAIN with its secret over TLS is accepted; it needs both', () => {
    const plain = {
      brokers: ['pkc-1.eu-west-1.aws.confluent.cloud:9092'],
      ssl: true,
      sasl: { mechanism: 'plain', secret: 'kafka/confluent' },
    };
    assert.deepEqual(parseBridgeConfig(config([route()], { kafka: plain })).kafka, plain);
    assertRejected(kafkaConfig({ ssl: false, sasl: { mechanism: 'plain', secret: 'kafka/confluent' } }), {
      field: 'kafka.ssl',
      message: /must be true with sasl plain: PLAIN sends the password as it is/,
    });
    assertRejected(kafkaConfig({ ssl: true, sasl: { mechanism: 'plain' } }), {
      field: 'kafka.sasl.secret',
      message: /is required with plain: the secret holds the username and password/,
    });
  });

  test('SCRAM needs a secret', () => {
    assertRejected(kafkaConfig({ ssl: true, sasl: { mechanism: 'scram-sha-256' } }), {
      field: 'kafka.sasl.secret',
      message: /required with scram-sha-256/,
    });
  });

  test('IAM takes no secret', () => {
    assertRejected(kafkaConfig({ ssl: true, sasl: { mechanism: 'aws-iam', secret: 'bridge' } }), {
      field: 'kafka.sasl.secret',
      message: /must not be set with aws-iam/,
    });
  });

  test('IAM needs ssl', () => {
    assertRejected(kafkaConfig({ sasl: { mechanism: 'aws-iam' } }), { field: 'kafka.ssl', message: /TLS/ });
  });

  test('sasl.secret is a secret name or ARN', () => {
    assertRejected(
      kafkaConfig({ ssl: true, sasl: { mechanism: 'scram-sha-512', secret: 'user:password' } }),
      {
        field: 'kafka.sasl.secret',
        message: /Secrets Manager secret name/,
      },
    );
  });

  test('an unknown kafka key is rejected (typo)', () => {
    assertRejected(kafkaConfig({ broker: ['k:9092'] }), {
      field: 'kafka.broker',
      message: /not a known setting/,
    });
  });

  test('kafka is required', () => {
    assertRejected({ routes: [route()] }, { field: 'kafka', message: /is required/ });
  });
});
