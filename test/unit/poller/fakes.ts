// Plain fakes for the route poller's parts: a consumer that records pauses, resumes and seeks;
// progress-group offsets in a map; a log that keeps its lines; a kafkajs batch payload.
import type { KafkaMessage } from 'kafkajs';
import type { Route } from '../../../lib/config/index.ts';
import { Backpressure } from '../../../lib/poller/backpressure.ts';
import type { Owned, PartitionConsumer, PollerLog, ProgressOffsets } from '../../../lib/poller/owned.ts';

export { ordersRoute as pollerRoute } from '../../support/unit-route.ts';

export class FakeConsumer implements PartitionConsumer {
  readonly calls: string[] = [];
  pause(topics: { topic: string; partitions?: number[] }[]): void {
    this.calls.push(`pause ${topics.map((t) => `${t.topic}/${t.partitions?.join(',')}`).join(' ')}`);
  }
  resume(topics: { topic: string; partitions?: number[] }[]): void {
    this.calls.push(`resume ${topics.map((t) => `${t.topic}/${t.partitions?.join(',')}`).join(' ')}`);
  }
  seek(position: { topic: string; partition: number; offset: string }): void {
    this.calls.push(`seek ${position.topic}/${position.partition}@${position.offset}`);
  }
}

/** The progress group's offsets and the watermarks, per "topic/partition"; commits are recorded. */
export class FakeOffsets implements ProgressOffsets {
  readonly committedAt = new Map<string, bigint>();
  readonly marks = new Map<string, { low: bigint; high: bigint }>();
  readonly commits: string[] = [];
  failCommits = false;

  async committed(_groupId: string, topic: string): Promise<Map<number, bigint>> {
    return this.#of(topic, this.committedAt);
  }
  async commit(_groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (this.failCommits) throw new Error('broker unavailable');
    for (const [partition, offset] of offsets) {
      this.commits.push(`${topic}/${partition}@${offset}`);
      this.committedAt.set(`${topic}/${partition}`, offset);
    }
  }
  async watermarks(topic: string): Promise<Map<number, { low: bigint; high: bigint }>> {
    return this.#of(topic, this.marks);
  }
  #of<T>(topic: string, map: Map<string, T>): Map<number, T> {
    const result = new Map<number, T>();
    for (const [key, value] of map) {
      const [t, p] = key.split('/');
      if (t === topic) result.set(Number(p), value);
    }
    return result;
  }
}

export class RecordingLog implements PollerLog {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}

/** A Backpressure over `owned` with fakes, for the parts that need one. */
export function backpressureWith(
  route: Route,
  owned: Map<string, Owned>,
  offsets = new FakeOffsets(),
  log = new RecordingLog(),
): Backpressure {
  return new Backpressure({ route, owned, offsets, log, isStopping: () => false });
}

export function kafkaMessage(
  offset: number,
  key: string | null = `k${offset}`,
  value = `v${offset}`,
): KafkaMessage {
  return {
    offset: String(offset),
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from(value),
    timestamp: '1700000000000',
    attributes: 0,
    headers: {},
  } as KafkaMessage;
}

/** A heartbeat, flush or keep-alive that has nothing to do in a unit test. */
export async function noWork(): Promise<void> {
  // Nothing to keep alive or send.
}

/** What Forwarder.forward takes from kafkajs, with the offsets it resolved recorded. */
export function batchPayload(
  messages: readonly KafkaMessage[],
  fetchedOffset: string,
  topic = 'orders',
  partition = 0,
): {
  batch: { topic: string; partition: number; messages: KafkaMessage[]; fetchedOffset: string };
  resolved: string[];
  resolveOffset: (offset: string) => void;
  heartbeat: () => Promise<void>;
  isRunning: () => boolean;
  isStale: () => boolean;
} {
  const resolved: string[] = [];
  return {
    batch: { topic, partition, messages: [...messages], fetchedOffset },
    resolved,
    resolveOffset: (offset) => resolved.push(offset),
    heartbeat: noWork,
    isRunning: () => true,
    isStale: () => false,
  };
}
