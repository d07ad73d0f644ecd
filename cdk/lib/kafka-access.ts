import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ConfigError, deployBrokerProblem, type KafkaConfig, type Route } from '../../lib/config/index.ts';
import type { KafkaClientRole } from '../../lib/kafka/apis.ts';
import { mskStatements } from './msk-iam.ts';

/** How the bridge authenticates to Kafka. */
export type KafkaAuth =
  | { readonly kind: 'none' }
  /** SASL/SCRAM; the secret holds `{ "username": ..., "password": ... }`. */
  | {
      readonly kind: 'scram';
      readonly mechanism: 'scram-sha-256' | 'scram-sha-512';
      readonly secret: secretsmanager.ISecret;
    }
  /**
   * SASL/PLAIN over TLS (Confluent Cloud, Redpanda Cloud, Aiven: an API key and secret); the
   * secret holds `{ "username": ..., "password": ... }`. Needs `tls: true`.
   */
  | { readonly kind: 'plain'; readonly secret: secretsmanager.ISecret }
  /**
   * Mutual TLS; the secret holds `{ certificate, privateKey, caCertificate? }` in PEM
   * (docs/deploy.md, "Kafka authentication"). Needs `tls: true`.
   */
  | { readonly kind: 'mtls'; readonly secret: secretsmanager.ISecret }
  /**
   * MSK IAM. The cluster ARN scopes the `kafka-cluster:*` permissions to the routes' topics and
   * groups (least privilege), so it is required.
   */
  | { readonly kind: 'msk-iam'; readonly clusterArn: string };

/**
 * The Kafka connection. Every field defaults to the bridge config's `kafka` section; a value
 * given here wins and is what the functions and the poller get at run time too.
 */
export interface KafkaConnectionProps {
  readonly brokers?: readonly string[];
  readonly tls?: boolean;
  readonly auth?: KafkaAuth;
}

/** The connection as the stack wires it. */
export interface ResolvedKafka {
  /** The `kafka` section of the config handed to the runtime (BRIDGE_CONFIG_JSON). */
  readonly runtime: KafkaConfig;
  readonly auth: KafkaAuth;
}

/**
 * Merges the props over the config's `kafka` section. Combinations the runtime cannot use fail
 * here, at synth, as a ConfigError naming the field.
 */
export function resolveKafka(
  scope: Construct,
  config: KafkaConfig,
  props: KafkaConnectionProps = {},
): ResolvedKafka {
  const tls = props.tls ?? config.ssl;
  const brokerIssues = (props.brokers ?? []).flatMap((broker, index) => {
    const message = deployBrokerProblem(broker);
    return message === undefined ? [] : [{ field: `props.kafka.brokers[${index}]`, message }];
  });
  if (brokerIssues.length > 0) throw new ConfigError(brokerIssues);
  const auth = props.auth ?? authFromConfig(scope, config);
  if ((auth.kind === 'mtls' || auth.kind === 'plain') && !tls) {
    throw new ConfigError([
      {
        field: 'props.kafka.tls',
        message: `must be true with ${auth.kind === 'mtls' ? 'mTLS' : 'SASL/PLAIN'} authentication`,
      },
    ]);
  }
  if (auth.kind === 'msk-iam' && !tls) {
    throw new ConfigError([
      {
        field: 'props.kafka.tls',
        message: 'must be true with MSK IAM authentication, which is offered over TLS only',
      },
    ]);
  }
  // Auth from the config keeps the config's own secret reference (a name reads the current
  // version without a suffix guess); auth from props names the secret by its ARN.
  const sasl = props.auth === undefined ? configAuth(config) : authOf(auth);
  const runtime: KafkaConfig = {
    brokers: [...(props.brokers ?? config.brokers)],
    ssl: tls,
    ...(config.clientId === undefined ? {} : { clientId: config.clientId }),
    ...sasl,
  };
  return { runtime, auth };
}

function authFromConfig(scope: Construct, config: KafkaConfig): KafkaAuth {
  const { sasl } = config;
  if (config.mtls !== undefined) {
    return { kind: 'mtls', secret: secretFromRef(scope, 'KafkaMtlsSecret', config.mtls.secret) };
  }
  if (sasl === undefined) return { kind: 'none' };
  if (sasl.mechanism === 'aws-iam') {
    throw new ConfigError([
      {
        field: 'kafka.sasl.mechanism',
        message:
          "aws-iam needs the MSK cluster ARN to scope the IAM permissions: pass props.kafka.auth = { kind: 'msk-iam', clusterArn }",
      },
    ]);
  }
  // parseBridgeConfig already requires a secret with SCRAM; the check keeps the types honest.
  if (sasl.secret === undefined) {
    throw new ConfigError([{ field: 'kafka.sasl.secret', message: `is required with ${sasl.mechanism}` }]);
  }
  if (sasl.mechanism === 'plain') {
    return { kind: 'plain', secret: secretFromRef(scope, 'KafkaPlainSecret', sasl.secret) };
  }
  return {
    kind: 'scram',
    mechanism: sasl.mechanism,
    secret: secretFromRef(scope, 'KafkaScramSecret', sasl.secret),
  };
}

/** The runtime's auth fields: the secrets the poller and the functions read at run time. */
function authOf(auth: KafkaAuth): Pick<KafkaConfig, 'sasl' | 'mtls'> {
  switch (auth.kind) {
    case 'scram':
      return { sasl: { mechanism: auth.mechanism, secret: auth.secret.secretArn } };
    case 'plain':
      return { sasl: { mechanism: 'plain', secret: auth.secret.secretArn } };
    case 'msk-iam':
      return { sasl: { mechanism: 'aws-iam' } };
    case 'mtls':
      return { mtls: { secret: auth.secret.secretArn } };
    case 'none':
      return {};
  }
}

function configAuth(config: KafkaConfig): Pick<KafkaConfig, 'sasl' | 'mtls'> {
  return {
    ...(config.sasl === undefined ? {} : { sasl: config.sasl }),
    ...(config.mtls === undefined ? {} : { mtls: config.mtls }),
  };
}

/**
 * A secret named in the config: by name, by complete ARN (ends in `-` and six characters, the
 * suffix Secrets Manager adds) or by partial ARN. The import form decides the ARN the IAM
 * grants match, so it must fit the reference.
 */
export function secretFromRef(scope: Construct, id: string, ref: string): secretsmanager.ISecret {
  if (!ref.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, id, ref);
  return /-[A-Za-z0-9]{6}$/.test(ref)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, ref)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, ref);
}

/** The secrets a Kafka client must read to connect. */
export function kafkaSecrets(auth: KafkaAuth): secretsmanager.ISecret[] {
  return auth.kind === 'scram' || auth.kind === 'plain' || auth.kind === 'mtls' ? [auth.secret] : [];
}

/** The Kafka clients of the bridge that run under a role of the stack. */
export type KafkaRole = Exclude<KafkaClientRole, 'cli'>;

/**
 * MSK IAM statements for one client role over the given routes, derived from the Kafka APIs the
 * role sends (lib/kafka/apis.ts) and the actions MSK checks for each (cdk/lib/msk-iam.ts). None
 * for other auth kinds.
 */
export function mskIamStatements(
  auth: KafkaAuth,
  role: KafkaRole,
  routes: readonly Route[],
): iam.PolicyStatement[] {
  if (auth.kind !== 'msk-iam' || routes.length === 0) return [];
  return mskStatements(role, auth.clusterArn, routes);
}
