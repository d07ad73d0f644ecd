// Helpers for tests that run against the real local Kafka broker (scripts/kafka.sh: Apache Kafka
// 4.x, one KRaft node, auto topic creation off). Tests never share a topic or a group: every name
// comes from uniqueName(), so tests can run in parallel and against a long-lived broker.
import { randomBytes } from 'node:crypto';
import { type Admin, type ITopicConfig, Kafka, logLevel } from 'kafkajs';
import { localEndpoints } from '../../lib/local/clients.ts';

/**
 * The brokers to connect to: `KAFKA_BROKERS` (comma-separated host:port list) when set, else the
 * local broker of scripts/kafka.sh on `KAFKA_PORT` (default 9092).
 */
export function kafkaBrokers(): string[] {
  return [...localEndpoints().kafkaBrokers];
}

/**
 * kafkajs's own log level for tests: silent unless `KAFKA_TEST_LOG=warn` (or info, debug) asks
 * for it while debugging. Silent by default because kafkajs logs expected events (a rebalance, a
 * retried coordinator lookup) as errors and warnings, which would bury the test output.
 */
function testLogLevel(): logLevel {
  switch ((process.env.KAFKA_TEST_LOG ?? '').toLowerCase()) {
    case 'error':
      return logLevel.ERROR;
    case 'warn':
      return logLevel.WARN;
    case 'info':
      return logLevel.INFO;
    case 'debug':
      return logLevel.DEBUG;
    default:
      return logLevel.NOTHING;
  }
}

/** A kafkajs client for the test brokers; `clientId` shows in the broker's logs and metrics. */
export function createKafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokers(),
    logLevel: testLogLevel(),
    // A local broker answers in milliseconds: fail over a missing one fast rather than after
    // kafkajs's default backoff of up to half a minute.
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 2_000 },
  });
}

/**
 * A name no other test (or earlier run against the long-lived local broker) uses, valid as a
 * Kafka topic (at most 249 of [a-zA-Z0-9._-]) and as a group or transactional id.
 */
export function uniqueName(prefix: string): string {
  if (!/^[a-z][a-z0-9.-]{0,59}$/.test(prefix)) {
    throw new Error(
      `uniqueName: prefix ${JSON.stringify(prefix)} must be 1-60 lowercase letters, digits, dots or hyphens, starting with a letter`,
    );
  }
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Runs `fn` with a connected admin client and always disconnects it. */
export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>, clientId = 'test-admin'): Promise<T> {
  const admin = createKafka(clientId).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Fails fast, with the command to run, when no broker answers: otherwise every test of a file
 * would fail on its own after kafkajs's retries with a bare connection error.
 */
export async function assertKafkaReachable(): Promise<void> {
  const brokers = kafkaBrokers().join(',');
  const admin = new Kafka({
    clientId: 'test-reachability',
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    retry: { retries: 1, initialRetryTime: 100 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('the cluster lists no broker');
  } catch (error) {
    throw new Error(
      `Kafka is not answering at ${brokers}: start the local broker with \`bash scripts/kafka.sh start\` ` +
        '(or set KAFKA_BROKERS)',
      { cause: error },
    );
  } finally {
    await admin.disconnect();
  }
}

export interface CreateTopicOptions {
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly configs?: Readonly<Record<string, string>>;
  /** How long to wait for every partition to have a leader (default 30 s). */
  readonly timeoutMs?: number;
}

/**
 * Creates a topic and returns once every partition has a leader, so the first produce or fetch
 * does not race the controller. Fails when the topic exists already: names come from uniqueName().
 */
export async function createTopic(
  name: string,
  partitions: number,
  options: CreateTopicOptions = {},
): Promise<void> {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`createTopic ${name}: partitions must be a positive integer, got ${partitions}`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  await withAdmin(async (admin) => {
    const topic: ITopicConfig = {
      topic: name,
      numPartitions: partitions,
      replicationFactor: 1,
      configEntries: Object.entries(options.configs ?? {}).map(([configName, value]) => ({
        name: configName,
        value,
      })),
    };
    const created = await admin.createTopics({ topics: [topic], waitForLeaders: true, timeout: timeoutMs });
    if (!created) throw new Error(`createTopic ${name}: the topic exists already`);
    // waitForLeaders polls metadata a bounded number of times; check the outcome ourselves.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
      const found = topics.find((t) => t.name === name);
      const led = found?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (led === partitions) return;
      if (Date.now() > deadline) {
        throw new Error(
          `createTopic ${name}: ${led} of ${partitions} partitions have a leader after ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 'test-create-topic');
}

/** Deletes topics a test created; for after() hooks, so a long-lived broker does not pile them up. */
export async function deleteTopics(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await withAdmin(
    (admin) => admin.deleteTopics({ topics: [...names], timeout: 30_000 }),
    'test-delete-topics',
  );
}
