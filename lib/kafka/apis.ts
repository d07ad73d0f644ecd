import type { Route } from '../config/schema.ts';

/**
 * The Kafka protocol APIs each Kafka client of the bridge sends, and on which group: the source
 * of the MSK IAM grants (cdk/lib/msk-iam.ts maps each API to its `kafka-cluster:` actions). A
 * test records the requests kafkajs really sends against the local broker
 * (test/e2e/kafka-auth.test.ts) and fails when one is missing here.
 */

/** Kafka protocol APIs by their names in Kafka's protocol guide (kafkajs logs the same names). */
export type KafkaApi =
  | 'ApiVersions'
  | 'SaslHandshake'
  | 'SaslAuthenticate'
  | 'Metadata'
  | 'ListOffsets'
  | 'Fetch'
  | 'FindCoordinator'
  | 'JoinGroup'
  | 'SyncGroup'
  | 'Heartbeat'
  | 'LeaveGroup'
  | 'OffsetFetch'
  | 'OffsetCommit'
  | 'InitProducerId'
  | 'Produce';

/** The API keys of Kafka's protocol (kafkajs names a few differently, e.g. GroupCoordinator). */
export const KAFKA_API_KEYS: Readonly<Record<KafkaApi, number>> = {
  ApiVersions: 18,
  SaslHandshake: 17,
  SaslAuthenticate: 36,
  Metadata: 3,
  ListOffsets: 2,
  Fetch: 1,
  FindCoordinator: 10,
  JoinGroup: 11,
  SyncGroup: 14,
  Heartbeat: 12,
  LeaveGroup: 13,
  OffsetFetch: 9,
  OffsetCommit: 8,
  InitProducerId: 22,
  Produce: 0,
};

/** Which of a route's two groups an API call names (docs/architecture.md). */
export type RouteGroup = 'membership' | 'progress';

export interface KafkaApiUse {
  readonly api: KafkaApi;
  /** For group APIs: the group the call names. */
  readonly group?: RouteGroup;
}

/** A Kafka client of the bridge. */
export type KafkaClientRole = 'poller' | 'committer' | 'cli' | 'dead-letter-writer';

/**
 * The topics a role's topic APIs name, per route: the route's own topics, or for the DLQ
 * consumer's writer its failure topic (deadLetter.kafkaTopic) alone.
 */
export function roleTopics(role: KafkaClientRole, route: Route): readonly string[] {
  if (role !== 'dead-letter-writer') return route.topics;
  return route.deadLetter === undefined ? [] : [route.deadLetter.kafkaTopic];
}

/** Every connection: version negotiation and, with SASL, the handshake. */
const CONNECT: readonly KafkaApiUse[] = [
  { api: 'ApiVersions' },
  { api: 'SaslHandshake' },
  { api: 'SaslAuthenticate' },
  // Topic metadata (partitions, leaders) before any fetch, offsets or commit call.
  { api: 'Metadata' },
];

/** lib/kafka/offsets.ts on the progress group: read, commit (from outside the group), log ends. */
const PROGRESS: readonly KafkaApiUse[] = [
  { api: 'FindCoordinator', group: 'progress' },
  { api: 'OffsetFetch', group: 'progress' },
  { api: 'OffsetCommit', group: 'progress' },
  { api: 'ListOffsets' },
];

export const KAFKA_APIS: Readonly<Record<KafkaClientRole, readonly KafkaApiUse[]>> = {
  // lib/poller/route-poller.ts: a kafkajs consumer in the membership group (autoCommit off;
  // it still reads the group's offsets when it gets partitions) fetching the topics, plus
  // KafkaOffsets on the progress group (the positions; chain starts and skips are committed).
  poller: [
    ...CONNECT,
    { api: 'FindCoordinator', group: 'membership' },
    { api: 'JoinGroup', group: 'membership' },
    { api: 'SyncGroup', group: 'membership' },
    { api: 'Heartbeat', group: 'membership' },
    { api: 'LeaveGroup', group: 'membership' },
    { api: 'OffsetFetch', group: 'membership' },
    { api: 'Fetch' },
    ...PROGRESS,
  ],
  // lib/commit/committer.ts through KafkaOffsets.
  committer: [...CONNECT, ...PROGRESS],
  // lib/cli (status, trace, reset) through KafkaOffsets, with the operator's own identity.
  cli: [...CONNECT, ...PROGRESS],
  // lib/deliver/dead-letter-topic.ts through the producer API (lib/producer): an idempotent
  // producer gets its producer id, then writes the failure topic.
  'dead-letter-writer': [...CONNECT, { api: 'InitProducerId' }, { api: 'Produce' }],
};
