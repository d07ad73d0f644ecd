/**
 * Assignment and positioning of the route poller's partitions (docs/architecture.md I3, I4).
 *
 * - On every assignment (GROUP_JOIN) the assigned partitions are paused at once, synchronously,
 *   so no fetch runs from kafkajs's own default position. Then the progress group's offsets are
 *   read; a partition without one starts at the route's `startFrom` (low or high watermark),
 *   which is written to the progress group so the commit function has the start of its chain.
 *   Then each partition is seeked there and resumed. A partition this member kept across the
 *   rebalance keeps its own position (it knows what it forwarded).
 * - Records deleted from Kafka before they were forwarded (retention) cannot be forwarded: the
 *   loss is logged, counted in the status, the progress group moved to the log start.
 */
import type { ConsumerGroupJoinEvent } from 'kafkajs';
import { progressGroupId, type Route } from '../config/index.ts';
import type { Backpressure } from './backpressure.ts';
import { PollerError } from './errors.ts';
import {
  messageOf,
  newOwned,
  type Owned,
  type PartitionConsumer,
  type PollerLog,
  type ProgressOffsets,
  partitionKey,
} from './owned.ts';
import { PartitionProgress } from './partition-progress.ts';

export interface AssignmentOptions {
  readonly route: Route;
  /** The partitions the poller owns: this part adds and removes them. */
  readonly owned: Map<string, Owned>;
  readonly offsets: ProgressOffsets;
  readonly backpressure: Backpressure;
  readonly log: PollerLog;
  /** Running and not stopping. */
  readonly isActive: () => boolean;
}

export class Assignment {
  readonly #o: AssignmentOptions;
  #memberId: string | undefined;
  #assignment = 0;

  constructor(options: AssignmentOptions) {
    this.#o = options;
  }

  get memberId(): string | undefined {
    return this.#memberId;
  }

  /** Takes a new assignment; resolves once its partitions are positioned (or it was superseded). */
  onJoin(consumer: PartitionConsumer, event: Pick<ConsumerGroupJoinEvent, 'payload'>): Promise<void> {
    const { route, owned, backpressure, log } = this.#o;
    const { memberId, memberAssignment } = event.payload;
    const assigned = Object.entries(memberAssignment).map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions],
    }));
    // Synchronously, before the fetch loop starts: no fetch may run from kafkajs's default position.
    if (assigned.length > 0) consumer.pause(assigned);
    const sameMember = memberId === this.#memberId;
    this.#memberId = memberId;
    const keys = new Set(
      assigned.flatMap(({ topic, partitions }) => partitions.map((p) => partitionKey(topic, p))),
    );
    // A partition dropped here may still have a batch finishing its send: whoever positions the
    // partition next waits for it (kafkajs normally finishes batches before rejoining anyway).
    const finishing = new Map<string, Promise<void>>();
    for (const [key, o] of owned) {
      if (keys.has(key) && sameMember) continue;
      o.epoch++;
      clearTimeout(o.pauseTimer);
      finishing.set(key, o.busy);
      owned.delete(key);
    }
    const toPosition: Owned[] = [];
    for (const { topic, partitions } of assigned) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        let o = owned.get(key);
        if (o === undefined) {
          o = newOwned(topic, partition, finishing.get(key) ?? Promise.resolve());
          owned.set(key, o);
        }
        o.epoch++;
        clearTimeout(o.pauseTimer);
        o.paused.clear();
        o.paused.add('positioning');
        toPosition.push(o);
      }
    }
    backpressure.configureRates();
    const assignment = ++this.#assignment;
    log.info('partitions assigned', { route: route.name, memberId, partitions: [...keys] });
    return this.#positionAll(consumer, assignment, toPosition);
  }

  /** Positions every newly assigned partition; retries until done or superseded by a newer assignment. */
  async #positionAll(
    consumer: PartitionConsumer,
    assignment: number,
    owned: readonly Owned[],
  ): Promise<void> {
    for (let attempt = 0; this.#isCurrent(assignment); attempt++) {
      try {
        await this.#position(consumer, assignment, owned);
        return;
      } catch (error) {
        const waitMs = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
        this.#o.log.error('positioning partitions failed; trying again', {
          route: this.#o.route.name,
          error: messageOf(error),
          waitMs,
        });
        for (const o of owned) o.lastError = messageOf(error);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  #isCurrent(assignment: number): boolean {
    return assignment === this.#assignment && this.#o.isActive();
  }

  async #position(consumer: PartitionConsumer, assignment: number, owned: readonly Owned[]): Promise<void> {
    const { route, backpressure, log } = this.#o;
    // A batch of the previous assignment may still be sending for a kept partition; its position must settle first.
    await Promise.all(owned.map((o) => o.busy));
    const starts = new Map<string, bigint>();
    for (const topic of new Set(owned.map((o) => o.topic))) {
      const committed = await this.#startPositions(
        topic,
        owned.filter((o) => o.topic === topic),
      );
      for (const [partition, offset] of committed) starts.set(partitionKey(topic, partition), offset);
    }
    if (!this.#isCurrent(assignment)) return;
    for (const o of owned) {
      const committed = starts.get(partitionKey(o.topic, o.partition));
      if (committed === undefined) continue;
      // Kept across the rebalance: this member knows what it forwarded beyond the committed offset.
      if (o.progress !== undefined && committed <= o.progress.next) o.progress.updateCommitted(committed);
      else o.progress = new PartitionProgress(o.topic, o.partition, committed);
      o.lastError = undefined;
      o.epoch++;
      backpressure.unpause(consumer, o, 'positioning');
      log.info('partition positioned', {
        route: route.name,
        topic: o.topic,
        partition: o.partition,
        next: o.progress.next.toString(),
        committed: committed.toString(),
      });
    }
  }

  /**
   * The progress group's committed offsets of `owned` (one topic's partitions); a partition
   * without one gets the route's start position, written to the group first: the commit
   * function walks completions from the committed offset and needs one to start from.
   */
  async #startPositions(topic: string, owned: readonly Owned[]): Promise<Map<number, bigint>> {
    const { route, offsets, log } = this.#o;
    const group = progressGroupId(route);
    const committed = await offsets.committed(group, topic);
    const missing = owned.filter((o) => !committed.has(o.partition));
    if (missing.length === 0) return committed;
    const watermarks = await offsets.watermarks(topic);
    const chainStarts = new Map<number, bigint>();
    for (const o of missing) {
      const marks = watermarks.get(o.partition);
      if (marks === undefined) {
        throw new PollerError(route.name, `topic ${topic} has no partition ${o.partition} in its metadata`, {
          retryable: true,
        });
      }
      chainStarts.set(o.partition, route.startFrom === 'earliest' ? marks.low : marks.high);
    }
    await offsets.commit(group, topic, chainStarts);
    log.info('progress group had no offset; wrote the start position', {
      route: route.name,
      topic,
      startFrom: route.startFrom,
      positions: Object.fromEntries([...chainStarts].map(([p, o]) => [p, o.toString()])),
    });
    for (const [partition, offset] of chainStarts) committed.set(partition, offset);
    return committed;
  }

  /**
   * When `next` is below the partition's log start (retention or deleteRecords removed records
   * before they were forwarded), nothing can bring them back: the loss is logged as an error,
   * the progress group is moved to the log start (or the commit chain would wait forever for
   * records that no longer exist), and forwarding goes on from there. True when it did that.
   */
  async skipDeletedRecords(
    consumer: PartitionConsumer,
    o: Owned,
    progress: PartitionProgress,
  ): Promise<boolean> {
    const { route, offsets, log } = this.#o;
    const { topic, partition } = o;
    const low = (await offsets.watermarks(topic)).get(partition)?.low;
    if (low === undefined || low <= progress.next || o.progress !== progress) return false;
    const group = progressGroupId(route);
    const committed = (await offsets.committed(group, topic)).get(partition);
    if (committed === undefined || committed < low)
      await offsets.commit(group, topic, new Map([[partition, low]]));
    log.error('records were deleted from Kafka before they were forwarded; going on from the log start', {
      route: route.name,
      topic,
      partition,
      lostFrom: progress.next.toString(),
      lostTo: (low - 1n).toString(),
      lost: (low - progress.next).toString(),
    });
    o.lost += low - progress.next;
    o.progress = new PartitionProgress(topic, partition, low);
    o.epoch++;
    consumer.seek({ topic, partition, offset: low.toString() });
    return true;
  }
}
