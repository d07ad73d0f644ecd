import { Kafka, type KafkaConfig as KafkajsConfig, logLevel, type SASLOptions } from 'kafkajs';
import type { SecretReader } from '../aws/secrets.ts';
import type { KafkaConfig } from '../config/index.ts';
import { BridgeError } from '../errors.ts';

export interface KafkaClientOptions {
  /** Reads the SCRAM credentials secret; needed only when the config uses SASL/SCRAM. */
  readonly secrets?: SecretReader;
  /** Overrides the config's client id (e.g. `<route>-poller`) so broker logs tell the parts apart. */
  readonly clientId?: string;
  readonly logLevel?: logLevel;
}

/**
 * The one place a kafkajs client is made from the bridge's Kafka config: every part (poller,
 * commit function, CLI) connects the same way, auth included.
 */
export async function createKafkaClient(
  config: KafkaConfig,
  options: KafkaClientOptions = {},
): Promise<Kafka> {
  const kafkajs: KafkajsConfig = {
    clientId: options.clientId ?? config.clientId ?? 'kafka-endpoint-bridge',
    brokers: [...config.brokers],
    ssl: config.ssl,
    logLevel: options.logLevel ?? logLevel.WARN,
  };
  if (config.sasl) kafkajs.sasl = await saslOptions(config.sasl, options.secrets);
  return new Kafka(kafkajs);
}

async function saslOptions(
  sasl: NonNullable<KafkaConfig['sasl']>,
  secrets: SecretReader | undefined,
): Promise<SASLOptions> {
  switch (sasl.mechanism) {
    case 'scram-sha-256':
    case 'scram-sha-512': {
      if (sasl.secret === undefined) {
        throw new BridgeError(
          `kafka.sasl: ${sasl.mechanism} needs kafka.sasl.secret (a secret with username and password)`,
        );
      }
      if (secrets === undefined)
        throw new BridgeError('kafka.sasl: a SecretReader is needed to read the SCRAM secret');
      const credentials = await secrets.stringMap(sasl.secret);
      const { username, password } = credentials;
      if (username === undefined || password === undefined) {
        throw new BridgeError(`kafka.sasl: secret ${sasl.secret} must hold "username" and "password"`);
      }
      return { mechanism: sasl.mechanism, username, password };
    }
    case 'aws-iam':
      // MSK IAM needs the OAUTHBEARER token signer; kafkajs does not ship it. Failing here, at
      // start, names the gap instead of connecting without auth.
      throw new BridgeError(
        "kafka.sasl.mechanism 'aws-iam' is not supported yet: use scram-sha-512 with a secret, or mTLS",
      );
    default: {
      const unknown: never = sasl.mechanism;
      throw new BridgeError(`kafka.sasl.mechanism ${String(unknown)} is not supported`);
    }
  }
}
