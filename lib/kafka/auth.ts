import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { SASLOptions } from 'kafkajs';
import { SecretError, type SecretReader } from '../aws/secrets.ts';
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
    const fields = await readSecret(secrets, secret, 'kafka.mtls');
    const cert = requiredField(secret, fields, 'certificate', MTLS_FORMAT);
    const key = requiredField(secret, fields, 'privateKey', MTLS_FORMAT);
    const certificate = parseCertificate(secret, 'certificate', cert);
    const privateKey = parsePrivateKey(secret, key);
    if (!certificate.checkPrivateKey(privateKey)) {
      throw new SecretError(secret, 'field "privateKey" is not the key of the certificate in "certificate"');
    }
    return { cert, key, ...caOption(secret, fields) };
  }
  const scramSecret = config.sasl?.mechanism === 'aws-iam' ? undefined : config.sasl?.secret;
  if (scramSecret === undefined) return true;
  const fields = await readSecret(secrets, scramSecret, 'kafka.sasl');
  const ca = caOption(scramSecret, fields);
  return 'ca' in ca ? ca : true;
}

const MTLS_FORMAT = 'expected JSON {"certificate","privateKey","caCertificate"?} in PEM';
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

function requiredField(secret: string, fields: Record<string, string>, name: string, format: string): string {
  const value = fields[name];
  if (value === undefined || value.trim() === '') {
    throw new SecretError(secret, `field "${name}" is missing or empty (${format})`);
  }
  return value;
}

function caOption(secret: string, fields: Record<string, string>): { ca?: string } {
  const ca = fields.caCertificate;
  if (ca === undefined || ca.trim() === '') return {};
  parseCertificate(secret, 'caCertificate', ca);
  return { ca };
}

function parseCertificate(secret: string, field: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new SecretError(secret, `field "${field}" is not a PEM certificate`, { cause: error });
  }
}

function parsePrivateKey(secret: string, pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new SecretError(secret, 'field "privateKey" is not an unencrypted PEM private key', {
      cause: error,
    });
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
