import { logLevel } from 'kafkajs';
import type { SecretReader } from '../aws/secrets.ts';
import type { KafkaConfig } from '../config/index.ts';
import { BridgeError } from '../errors.ts';
import { describeKafkaAuth } from './auth.ts';
import { createKafkaClient } from './client.ts';

/**
 * A client of the bridge could not connect to Kafka: one line naming the brokers, how the client
 * authenticates and what went wrong (rejected credentials, an untrusted or rejected certificate,
 * no answer). Authentication failures are not retryable: the same credentials fail again.
 */
export class KafkaConnectionError extends BridgeError {
  readonly brokers: readonly string[];
  constructor(config: KafkaConfig, cause: unknown) {
    const { reason, retryable } = classify(cause);
    super(
      `kafka: cannot connect to ${config.brokers.join(',')} with ${describeKafkaAuth(config)}: ${reason}`,
      {
        cause,
        retryable,
      },
    );
    this.name = 'KafkaConnectionError';
    this.brokers = config.brokers;
  }
}

/**
 * Connects once with the config's authentication and asks for the cluster's brokers, so a part
 * that cannot connect stops at start with one KafkaConnectionError instead of retrying (and
 * logging) forever. Its own quiet client: kafkajs's retry log lines would bury the error.
 */
export async function checkKafkaConnection(
  config: KafkaConfig,
  options: { readonly secrets?: SecretReader; readonly clientId?: string } = {},
): Promise<void> {
  const kafka = await createKafkaClient(config, {
    ...options,
    clientId: options.clientId ?? 'kafka-bridge-connection-check',
    logLevel: logLevel.NOTHING,
    // kafkajs's own retries (about 10 s): a broker that is restarting gets that long, as the
    // poller's consumer would give it. A refused TLS handshake is retried too (kafkajs sees a
    // connection error); rejected SASL credentials fail at once.
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    throw new KafkaConnectionError(config, error);
  } finally {
    await admin.disconnect();
  }
}

const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function classify(error: unknown): { reason: string; retryable: boolean } {
  const chain = causes(error);
  if (chain.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    return { reason: `the broker rejected the credentials (${firstLine(chain[0])})`, retryable: false };
  }
  for (const e of chain) {
    // OpenSSL puts the broker's TLS alert in the message: "...:ssl/tls alert certificate unknown:...".
    const alert = /tls alert ([a-z ]+?)(?::|$)/i.exec(e.message)?.[1];
    if (alert !== undefined) {
      return {
        reason: `the broker refused the TLS handshake (alert "${alert}"): is the client certificate signed by a CA the broker trusts?`,
        retryable: false,
      };
    }
    if (e.code !== undefined && TLS_TRUST_CODES.has(e.code)) {
      return {
        reason: `the broker's certificate is not trusted (${e.code}: ${firstLine(e)}); a private CA goes in the secret's "caCertificate"`,
        retryable: false,
      };
    }
  }
  return { reason: firstLine(chain.at(-1) ?? chain[0]), retryable: true };
}

interface ErrorLink {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
}

/** The error and its causes (kafkajs nests them in `cause` or `originalError`), outermost first. */
function causes(error: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 6; ) {
    if (typeof current !== 'object') {
      chain.push({ name: 'Error', message: String(current), code: undefined });
      break;
    }
    const { name, message, code } = current as { name?: unknown; message?: unknown; code?: unknown };
    chain.push({
      name: typeof name === 'string' ? name : 'Error',
      message: typeof message === 'string' ? message : String(current),
      code: typeof code === 'string' ? code : undefined,
    });
    current =
      (current as { cause?: unknown }).cause ?? (current as { originalError?: unknown }).originalError;
  }
  return chain;
}

function firstLine(link: ErrorLink | undefined): string {
  return (link?.message ?? 'unknown error').split('\n')[0]?.trim() ?? '';
}
