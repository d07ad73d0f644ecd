import type { Admin, Kafka } from 'kafkajs';
import { BridgeError } from '../errors.ts';

/** A Kafka offsets call failed. kafkajs marks its own errors `retriable`; that is carried over. */
export class KafkaOffsetsError extends BridgeError {
  readonly operation: string;
  readonly groupId: string | undefined;
  readonly topic: string;
  constructor(operation: string, topic: string, groupId: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `kafka: ${operation} for topic ${topic}${groupId ? ` and group ${groupId}` : ''} failed: ${reason}`,
      {
        cause,
        retryable:
          typeof cause === 'object' &&
          cause !== null &&
          (cause as { retriable?: unknown }).retriable === true,
      },
    );
    this.name = 'KafkaOffsetsError';
    this.operation = operation;
    this.groupId = groupId;
    this.topic = topic;
  }
}

/**
 * The broker refused a commit to the progress group because something joined it: a consumer
 * configured with the route's public group id. Nothing may join that group (docs/architecture.md).
 */
export class ProgressGroupHasMembersError extends KafkaOffsetsError {
  constructor(topic: string, groupId: string, cause: unknown) {
    super('commit', topic, groupId, cause);
    this.name = 'ProgressGroupHasMembersError';
    this.message =
      `kafka: group ${groupId} has active members, so its offsets cannot be committed: it is a route's ` +
      'progress group, which no consumer may join; stop the consumer that uses this group id';
  }
}

export interface PartitionWatermarks {
  /** The log start offset: the earliest record still in the log. */
  readonly low: bigint;
  /** The log end offset: the offset the next produced record will get. */
  readonly high: bigint;
}

// kafkajs's cluster and broker objects, as far as this module uses them. kafkajs is pinned to
// 2.2.4 (no release since 2023), and a test (test/integration/kafka-offsets.test.ts) fails if
// these internals change.
interface RawBroker {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}
interface RawCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<RawBroker>;
}

function rawCluster(kafka: Kafka): RawCluster {
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create: unknown = key === undefined ? undefined : Reflect.get(kafka, key);
  if (typeof create !== 'function') {
    throw new BridgeError(
      'kafkajs internals changed: Kafka has no private createCluster; check the pinned version',
      {
        retryable: false,
      },
    );
  }
  return create.call(kafka, { allowAutoTopicCreation: false }) as RawCluster;
}

/**
 * The narrow door to Kafka's offsets: reading and writing a group's committed offsets and a
 * topic's watermarks. Offsets cross this boundary as bigint; kafkajs speaks decimal strings.
 *
 * Writing uses a plain OffsetCommit sent from outside the group (generation -1, no member id),
 * as Kafka's own admin client does. kafkajs's `admin.setOffsets` would briefly join the group
 * and then wait out a 5-second fetch (measured: 5 s a call), and two of them on one group
 * collide. The broker accepts a non-member commit only while the group has no members, which
 * is exactly the progress group's rule: a poller that joined it by mistake makes commits fail
 * loudly (UNKNOWN_MEMBER_ID) instead of being silently overwritten.
 */
export class KafkaOffsets {
  readonly #admin: Admin;
  readonly #cluster: RawCluster;
  #connected = false;

  constructor(kafka: Kafka) {
    this.#admin = kafka.admin();
    this.#cluster = rawCluster(kafka);
  }

  async connect(): Promise<void> {
    if (this.#connected) return;
    await Promise.all([this.#admin.connect(), this.#cluster.connect()]);
    this.#connected = true;
  }

  async disconnect(): Promise<void> {
    this.#connected = false;
    await Promise.all([this.#admin.disconnect(), this.#cluster.disconnect()]);
  }

  /** The group's committed offset per partition of the topic; partitions with none are absent. */
  async committed(groupId: string, topic: string): Promise<Map<number, bigint>> {
    try {
      const result = await this.#admin.fetchOffsets({ groupId, topics: [topic] });
      const offsets = new Map<number, bigint>();
      for (const entry of result) {
        if (entry.topic !== topic) continue;
        for (const { partition, offset } of entry.partitions) {
          // kafkajs reports "no committed offset" as '-1'.
          if (offset !== '-1' && offset !== '') offsets.set(partition, BigInt(offset));
        }
      }
      return offsets;
    } catch (error) {
      throw new KafkaOffsetsError('fetchOffsets', topic, groupId, error);
    }
  }

  /** Commits offsets for a group that has no members (the route's progress group). */
  async commit(groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    try {
      await this.connect();
      const coordinator = await this.#cluster.findGroupCoordinator({ groupId });
      await coordinator.offsetCommit({
        groupId,
        groupGenerationId: -1,
        memberId: '',
        topics: [
          {
            topic,
            partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
          },
        ],
      });
    } catch (error) {
      if ((error as { type?: unknown }).type === 'UNKNOWN_MEMBER_ID') {
        throw new ProgressGroupHasMembersError(topic, groupId, error);
      }
      throw new KafkaOffsetsError('commit', topic, groupId, error);
    }
  }

  /** Low and high watermarks of every partition of the topic. */
  async watermarks(topic: string): Promise<Map<number, PartitionWatermarks>> {
    try {
      const result = await this.#admin.fetchTopicOffsets(topic);
      return new Map(result.map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
    } catch (error) {
      throw new KafkaOffsetsError('fetchTopicOffsets', topic, undefined, error);
    }
  }
}
