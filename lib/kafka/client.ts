import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import {
  Kafka,
  type KafkaConfig as KafkajsConfig,
  type logCreator,
  logLevel,
  type SASLOptions,
} from 'kafkajs';
import type { SecretReader } from '../aws/secrets.ts';
import type { KafkaConfig } from '../config/index.ts';
import { BridgeError } from '../errors.ts';

export interface KafkaClientOptions {
  /** Reads the SCRAM credentials secret; needed only when the config uses SASL/SCRAM. */
  readonly secrets?: SecretReader;
  /** Overrides the config's client id (e.g. `<route>-poller`) so broker logs tell the parts apart. */
  readonly clientId?: string;
  readonly logLevel?: logLevel;
  /** Routes kafkajs's own log lines into the caller's logger. */
  readonly logCreator?: logCreator;
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
  if (options.logCreator) kafkajs.logCreator = options.logCreator;
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
      // MSK IAM: an OAUTHBEARER token that is a SigV4-presigned URL, made by AWS's own signer
      // from the function's or task's role. kafkajs asks for a new one on every (re)connect.
      return { mechanism: 'oauthbearer', oauthBearerProvider: mskIamTokenProvider(awsRegion()) };
    default: {
      const unknown: never = sasl.mechanism;
      throw new BridgeError(`kafka.sasl.mechanism ${String(unknown)} is not supported`);
    }
  }
}

/** The region MSK IAM tokens are signed for: the one the code runs in. */
function awsRegion(): string {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') {
    throw new BridgeError("kafka.sasl.mechanism 'aws-iam' needs AWS_REGION to sign its tokens");
  }
  return region;
}

/** A kafkajs OAUTHBEARER provider of MSK IAM tokens. */
export function mskIamTokenProvider(region: string): () => Promise<{ value: string }> {
  return async () => {
    try {
      const { token } = await generateAuthToken({ region });
      return { value: token };
    } catch (error) {
      throw new BridgeError(`kafka: could not sign an MSK IAM token for region ${region}`, {
        cause: error,
        retryable: true,
      });
    }
  };
}
