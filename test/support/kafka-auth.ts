// The local broker's authenticated listeners (scripts/kafka.sh): SASL_SSL with SCRAM-SHA-512 on
// KAFKA_PORT+2, SSL with a required client certificate (mTLS) on KAFKA_PORT+3 and SASL_SSL with
// PLAIN on KAFKA_PORT+4, and the secrets for them that kafka.sh made under the run folder, in the
// bridge's secret formats.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import type { logCreator } from 'kafkajs';
import type { KafkaConfigInput } from '../../lib/config/index.ts';

/** The authenticated listeners scripts/kafka.sh serves, each with a secret in the bridge's format. */
export const AUTH_KINDS = ['scram', 'mtls', 'plain'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export interface AuthListener {
  readonly kind: AuthKind;
  readonly broker: string;
  /** The secret's value (JSON object) the listener accepts. */
  readonly secret: Record<string, string>;
  /** One it refuses: a wrong password, or a client certificate signed by another CA. */
  readonly wrongSecret: Record<string, string>;
  /** The `kafka` section of a bridge config that connects through it with the named secret. */
  kafkaConfig(secretName: string): KafkaConfigInput;
}

function port(name: string, fallback: number): number {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number(value);
}

function authDir(): string {
  const runDir = process.env.BRIDGE_RUN_DIR ?? resolve(import.meta.dirname, '../../.run');
  return join(runDir, 'kafka', 'auth');
}

function readJson(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(join(authDir(), file), 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new Error(
      `no ${file} in ${authDir()}: start the broker with \`bash scripts/kafka.sh start\` (it makes the certificates)`,
      { cause: error },
    );
  }
}

export function authListener(kind: AuthKind): AuthListener {
  const plain = port('KAFKA_PORT', 9092);
  if (kind === 'plain') {
    const secret = readJson('plain.json');
    return {
      kind,
      broker: `127.0.0.1:${port('KAFKA_SASL_PLAIN_PORT', plain + 4)}`,
      secret,
      wrongSecret: { ...secret, password: 'not-the-password' },
      kafkaConfig(secretName) {
        return { brokers: [this.broker], ssl: true, sasl: { mechanism: 'plain', secret: secretName } };
      },
    };
  }
  if (kind === 'scram') {
    const secret = readJson('scram.json');
    return {
      kind,
      broker: `127.0.0.1:${port('KAFKA_SASL_SSL_PORT', plain + 2)}`,
      secret,
      wrongSecret: { ...secret, password: 'not-the-password' },
      kafkaConfig(secretName) {
        return {
          brokers: [this.broker],
          ssl: true,
          sasl: { mechanism: 'scram-sha-512', secret: secretName },
        };
      },
    };
  }
  return {
    kind,
    broker: `127.0.0.1:${port('KAFKA_SSL_PORT', plain + 3)}`,
    secret: readJson('mtls-client.json'),
    wrongSecret: readJson('mtls-wrong-client.json'),
    kafkaConfig(secretName) {
      return { brokers: [this.broker], ssl: true, mtls: { secret: secretName } };
    },
  };
}

/**
 * The broker's server certificate (127.0.0.1, signed by the local CA) and that CA, in PEM: for a
 * local HTTPS server that requires the client certificates of `authListener('mtls')`.
 */
export function serverTls(): { cert: string; key: string; ca: string } {
  const read = (file: string) => readFileSync(join(authDir(), file), 'utf8');
  readJson('mtls-client.json'); // the clear error when kafka.sh has not made the material yet
  return { cert: read('broker.pem'), key: read('broker.key'), ca: read('ca.pem') };
}

/** Fails with the command to run when the broker serves no such listener (an older kafka.sh). */
export async function assertListening(listener: AuthListener): Promise<void> {
  const [host, portText] = listener.broker.split(':');
  const open = await new Promise<boolean>((done) => {
    const socket = connect({ host: host ?? '127.0.0.1', port: Number(portText) });
    const end = (result: boolean) => {
      socket.destroy();
      done(result);
    };
    socket.once('connect', () => end(true)).once('error', () => end(false));
    socket.setTimeout(3_000, () => end(false));
  });
  if (!open) {
    throw new Error(
      `the local broker serves no ${listener.kind} listener at ${listener.broker}: it was started by an older scripts/kafka.sh; run \`bash scripts/kafka.sh restart\``,
    );
  }
}

/**
 * A kafkajs log creator (for a client at logLevel.DEBUG) that records the API key of every
 * request the client sends: kafkajs logs each as "Request <name>(key: <n>, version: <v>)".
 */
export function requestRecorder(keys: Set<number>): logCreator {
  return () =>
    ({ log }) => {
      const key = /^Request \w+\(key: (\d+),/.exec(log.message)?.[1];
      if (key !== undefined) keys.add(Number(key));
    };
}
