import type { ConnectionOptions } from 'node:tls';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { SASLOptions } from 'kafkajs';
import { caOption, clientCertificateOf, requiredField } from '../aws/client-certificate.ts';
import type { SecretReader } from '../aws/secrets.ts';
import type { KafkaConfig } from '../config/index.ts';
import { BridgeError } from '../errors.ts';

/**
 * How the bridge authenticates to Kafka, from its config and the secrets it names. The secret
 * formats are documented in docs/deploy.md ("Kafka authentication"):
 * - SCRAM and PLAIN: `{ "username", "password", "caCertificate"? }` (MSK's `AmazonMSK_*` secret
 *   format; for PLAIN a hosted service's API key and secret; `caCertificate` only for brokers
 *   whose certificate no public CA signed).
 * - mTLS: `{ "certificate", "privateKey", "caCertificate"? }`, all PEM; `certificate` may hold
 *   the chain (leaf first), `privateKey` must be unencrypted (PKCS#8 or PKCS#1).
 * Messages name the secret and the field, never a value.
 */

/** One line naming how a client of this config connects: for error messages. */
export function describeKafkaAuth(config: KafkaConfig): string {
  const transport = config.ssl ? 'over TLS' : 'in plaintext';
  if (config.mtls !== undefined) return 'mTLS (client certificate)';
  const mechanism = config.sasl?.mechanism;
  if (mechanism === undefined) {
    return config.ssl ? 'TLS without client authentication' : 'no authentication (PLAINTEXT)';
  }
  if (mechanism === 'aws-iam') return `MSK IAM (SASL/OAUTHBEARER) ${transport}`;
  return `SASL/${mechanism.toUpperCase()} ${transport}`;
}

/** kafkajs's `ssl` option: false, true (system CAs), or the CA and client certificate from secrets. */
export async function tlsOptions(
  config: KafkaConfig,
  secrets: SecretReader | undefined,
): Promise<boolean | ConnectionOptions> {
  if (!config.ssl) return false;
  if (config.mtls !== undefined) {
    const secret = config.mtls.secret;
    return clientCertificateOf(secret, await readSecret(secrets, secret, 'kafka.mtls'));
  }
  const scramSecret = config.sasl?.mechanism === 'aws-iam' ? undefined : config.sasl?.secret;
  if (scramSecret === undefined) return true;
  const fields = await readSecret(secrets, scramSecret, 'kafka.sasl');
  const ca = caOption(scramSecret, fields);
  return 'ca' in ca ? ca : true;
}

const SASL_FORMAT = 'expected JSON {"username","password","caCertificate"?}';

/** kafkajs's `sasl` option. */
export async function saslOptions(
  sasl: NonNullable<KafkaConfig['sasl']>,
  secrets: SecretReader | undefined,
): Promise<SASLOptions> {
  switch (sasl.mechanism) {
    case 'scram-sha-256':
    case 'scram-sha-512':
    case 'plain': {
      if (sasl.secret === undefined) {
        throw new BridgeError(
          `kafka.sasl: ${sasl.mechanism} needs kafka.sasl.secret (a secret with username and password)`,
        );
      }
      const fields = await readSecret(secrets, sasl.secret, 'kafka.sasl');
      const username = requiredField(sasl.secret, fields, 'username', SASL_FORMAT);
      const password = requiredField(sasl.secret, fields, 'password', SASL_FORMAT);
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

async function readSecret(
  secrets: SecretReader | undefined,
  secret: string,
  field: string,
): Promise<Record<string, string>> {
  if (secrets === undefined) throw new BridgeError(`${field}: a SecretReader is needed to read ${secret}`);
  return secrets.stringMap(secret);
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
