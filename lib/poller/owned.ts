/**
 * What the route poller's parts share about the partitions it owns: the per-partition state
 * (`Owned`), the narrow views of kafkajs and of the progress group they act through (so each part
 * is unit-tested with plain fakes), the log, and the status the health endpoint shows.
 */
import type { TokenBucket } from '../rate-limit/index.ts';
import type { PartitionProgress } from './partition-progress.ts';

/**
 * Why a partition is not being fetched: being positioned, its in-flight window is full, its
 * rate-limit token is far away, or its decode stage's registry does not answer (held, retried).
 */
export type PauseReason = 'positioning' | 'in-flight' | 'rate' | 'registry';

/** What the poller logs through; Powertools' Logger and console fit. */
export interface PollerLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export const ignore = (): void => {
  // No logger given, or an outcome nobody waits for.
};
export const NOOP_LOG: PollerLog = { info: ignore, warn: ignore, error: ignore };

/** The part of a kafkajs Consumer that pausing, resuming and positioning use. */
export interface PartitionConsumer {
  pause(topics: { topic: string; partitions?: number[] }[]): void;
  resume(topics: { topic: string; partitions?: number[] }[]): void;
  seek(position: { topic: string; partition: number; offset: string }): void;
}

/** The progress group's offsets and the topics' watermarks (KafkaOffsets; a fake in unit tests). */
export interface ProgressOffsets {
  committed(groupId: string, topic: string): Promise<Map<number, bigint>>;
  commit(groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void>;
  watermarks(topic: string): Promise<Map<number, { readonly low: bigint; readonly high: bigint }>>;
}

/** One partition this poller owns. */
export interface Owned {
  readonly topic: string;
  readonly partition: number;
  /** Set once positioned. */
  progress: PartitionProgress | undefined;
  /** Bumped on every reassignment and repositioning: work of an older epoch is abandoned. */
  epoch: number;
  readonly paused: Set<PauseReason>;
  bucket: TokenBucket | undefined;
  /** The batch being forwarded (or a filtered tail being committed): what comes next waits for it. */
  busy: Promise<void>;
  /** Ends a timed pause (rate, registry). */
  pauseTimer: NodeJS.Timeout | undefined;
  forwardedCount: number;
  /** Records the route's filter stage kept from SQS (finished without a send). */
  filteredCount: number;
  lost: bigint;
  lastError: string | undefined;
}

export function newOwned(topic: string, partition: number, busy: Promise<void>): Owned {
  return {
    topic,
    partition,
    progress: undefined,
    epoch: 0,
    paused: new Set(),
    bucket: undefined,
    busy,
    pauseTimer: undefined,
    forwardedCount: 0,
    filteredCount: 0,
    lost: 0n,
    lastError: undefined,
  };
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A partition's state as the health endpoint shows it; offsets as decimal strings. */
export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  /** Undefined while the partition is being positioned. */
  readonly next: string | undefined;
  readonly committed: string | undefined;
  readonly inFlight: number;
  readonly paused: readonly PauseReason[];
  readonly forwarded: number;
  /** Records the route's filter kept from SQS (committed like delivered ones). */
  readonly filtered: number;
  /** Records deleted from Kafka (retention) before this poller could forward them, decimal. */
  readonly lost: string;
  readonly lastError: string | undefined;
}

export interface RouteStatus {
  readonly route: string;
  readonly running: boolean;
  readonly memberId: string | undefined;
  readonly partitions: readonly PartitionStatus[];
}

export function partitionStatus(owned: Owned): PartitionStatus {
  return {
    topic: owned.topic,
    partition: owned.partition,
    next: owned.progress?.next.toString(),
    committed: owned.progress?.committed.toString(),
    inFlight: owned.progress?.inFlight ?? 0,
    paused: [...owned.paused],
    forwarded: owned.forwardedCount,
    filtered: owned.filteredCount,
    lost: owned.lost.toString(),
    lastError: owned.lastError,
  };
}
