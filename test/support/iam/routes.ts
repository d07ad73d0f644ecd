// The two routes of the IAM test (test/integration/iam-recorded-calls.test.ts), their secrets
// in the emulator and the endpoint's answers: the same routes run locally and are synthesized.
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { KafkaConfigInput, RouteInput } from '../../../lib/config/index.ts';
import { type AuthKind, authListener } from '../kafka-auth.ts';
import { OAUTH_CLIENT, OAUTH_SCOPE } from '../oauth2.ts';
import type { RunSetup } from './bridge-run.ts';

export const topicOf = (route: string): string => `${route}-topic`;
/** Route B decodes its values through this Glue registry (moto's in the run, the stack's grant). */
export const glueRegistryOf = (route: string): string => `${route}-schemas`;
/** Route A-eu's failure topic (deadLetter.kafkaTopic): its DLQ consumer writes every dead letter there. */
export const failureTopicOf = (route: string): string => `${route}.failed`;
export const bridgeWebhookSecret = (a: string): string => `${a}/bridge-discord`;
/** The Discord webhook ids: each route's team and the bridge's own. */
export const WEBHOOK = { a: '111111111111111111', b: '222222222222222222', bridge: '999999999999999999' };

/**
 * The Kafka section of the run and of the synthesized stack: authenticated with a secret, as
 * deployed brokers are (SCRAM through the local broker's listener, scripts/kafka.sh), so every
 * component that connects reads it and its role must grant that read. `brokers` are the
 * deployed stack's; the run uses the listener's. The other kinds of secret the stack is
 * synthesized with too: the same secret reads must be allowed.
 */
export function kafkaInput(
  a: string,
  brokers?: readonly string[],
  kind: AuthKind = RUN_KAFKA_AUTH,
): KafkaConfigInput {
  const kafka = authListener(kind).kafkaConfig(kafkaSecret(a));
  return brokers === undefined ? kafka : { ...kafka, brokers: [...brokers] };
}
export const kafkaSecret = (a: string): string => `${a}/kafka`;
/** The listener the run connects through. */
export const RUN_KAFKA_AUTH: AuthKind = 'scram';

/** A's `flaky` key fails once (a retry in a later receive), `poison` keys are refused for good. */
export function endpointScript(request: { key: string | null; nth: number }): {
  status: number;
  body: string;
} {
  if (request.key?.startsWith('poison') === true) return { status: 422, body: 'refused' };
  if (request.key === 'flaky' && request.nth === 1) return { status: 503, body: 'busy' };
  return { status: 200, body: 'ok' };
}

/**
 * The two routes, their endpoints at `url` (HTTPS, each route presenting its own client
 * certificate): A quarantines and has a breaker, A-eu neither and
 * authenticates with OAuth2 client credentials at `tokenUrl` (its credentials secret) and writes
 * its dead letters to a failure topic.
 */
export function routeInputs(
  a: string,
  b: string,
  url: (route: string) => string,
  tokenUrl: string,
): RouteInput[] {
  const common = (name: string) => ({
    name,
    topics: [topicOf(name)],
    endpoint: {
      type: 'http' as const,
      url: url(name),
      headersSecret: `${name}/headers`,
      signingSecret: `${name}/signing`,
      timeoutMs: 2_000,
      auth: { clientCertificateSecret: `${name}/certificate` },
    },
    alerts: { discordWebhookSecret: `${name}/discord` },
  });
  return [
    {
      ...common(a),
      ordering: 'key',
      onPoison: 'quarantine',
      retry: { attempts: 4, inProcessAttempts: 1, baseMs: 100, maxMs: 1_000 },
      // Never opens here (minCalls): its item is still read and counted on every batch.
      breaker: { minCalls: 1_000 },
      responses: { retryable: ['5xx'] },
    },
    // No quarantine and no breaker: its roles must hold neither. Its values are decoded through
    // Glue: the poller's GetSchemaVersion calls.
    {
      ...common(b),
      decode: { registry: { type: 'glue' as const, registryName: glueRegistryOf(b) } },
      endpoint: {
        ...common(b).endpoint,
        auth: {
          ...common(b).endpoint.auth,
          oauth2: { tokenUrl, credentialsSecret: `${b}/oauth`, scope: OAUTH_SCOPE },
        },
      },
      onPoison: 'dlq',
      retry: { attempts: 4, inProcessAttempts: 1, baseMs: 100, maxMs: 1_000 },
      deadLetter: { kafkaTopic: failureTopicOf(b) },
    },
  ];
}

export async function createSecrets(setup: RunSetup): Promise<void> {
  const { a, b, clients, discord } = setup;
  for (const route of [a, b]) {
    const values: Record<string, string> = {
      [`${route}/headers`]: JSON.stringify({ 'x-api-key': `key-of-${route}` }),
      [`${route}/signing`]: `signing-key-of-${route}`,
      [`${route}/certificate`]: JSON.stringify(authListener('mtls').secret),
      [`${route}/discord`]: discord.webhook(route === a ? WEBHOOK.a : WEBHOOK.b).url,
      ...(route === b ? { [`${route}/oauth`]: JSON.stringify(OAUTH_CLIENT) } : {}),
    };
    for (const [Name, SecretString] of Object.entries(values))
      await clients.secrets.send(new CreateSecretCommand({ Name, SecretString }));
  }
  await clients.secrets.send(
    new CreateSecretCommand({
      Name: kafkaSecret(a),
      SecretString: JSON.stringify(authListener(RUN_KAFKA_AUTH).secret),
    }),
  );
  await clients.secrets.send(
    new CreateSecretCommand({
      Name: bridgeWebhookSecret(a),
      SecretString: discord.webhook(WEBHOOK.bridge).url,
    }),
  );
}

/** The synthesized stack's name: the notifier's sender parameters live under `/<it>/event-senders`. */
export const IAM_STACK_NAME = 'IamCheck';
