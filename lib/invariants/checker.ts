// The invariant checker of the reliability suite (issue 9, made as strict as the invariants in
// issue 25): after a run it compares what was produced (the topic, read back with a digest of
// each value), every request the endpoint received, the archive, the DLQ, the completions the
// bridge wrote (recorded from its own calls) and the progress group's offsets, and counts what
// docs/architecture.md's invariants forbid. Loss, order and duplicates are counted by
// lib/local/summary.ts's summarize() (the demo's checks), fed with one "order" per Kafka record
// and every request (order, I2, is judged on every attempt: order.ts); values by digest
// (values.ts), the commit (I4) against the recorded completion writes and the in-flight bound
// (I6) in commits.ts.
import type { ArchiveRecord } from '../archive/archive.ts';
import type { PartitionCommit } from '../commit/committer.ts';
import { recordId } from '../envelope/index.ts';
import type { ArchivedOrder } from '../local/archive-reader.ts';
import type { ProducedOrder } from '../local/order-producer.ts';
import type { SampleDelivery } from '../local/sample-endpoint.ts';
import { type DemoSummary, summarize } from '../local/summary.ts';
import {
  type CommitSample,
  commitsPastUnfinished,
  type InFlightSample,
  inFlightCheck,
  movedBack,
} from './commits.ts';
import { explainDuplicates } from './duplicates.ts';
import type { OnPoison } from './order.ts';
import type { RecordedFinish } from './recorded.ts';
import { valueMismatches } from './values.ts';

export type { CommitSample, InFlightSample } from './commits.ts';
export { movedBack } from './commits.ts';
export { readArchive, readDeadLetterQueue, readOffsets, readTopic } from './read.ts';
export type { RecordedFinish } from './recorded.ts';

/** One record of the topic, as read back. */
export interface ProducedRecord {
  readonly partition: number;
  readonly offset: bigint;
  /** UTF-8 of the key; null for a null key. */
  readonly key: string | null;
  /** SHA-256 (hex) of the value's bytes (values.ts valueDigest); null for a tombstone. */
  readonly valueDigest: string | null;
}

/** One request the endpoint received (in arrival order). */
export interface EndpointRequest {
  /** The idempotency key: route/topic/partition/offset. */
  readonly recordId: string;
  /** ms since the epoch when the request arrived. */
  readonly at: number;
  /** When the answer left the endpoint (a slow answer: later than `at`); `at` when not known. */
  readonly answeredAt?: number;
  /** True when the endpoint answered 2xx (the deliverer may still not have seen it: a timeout). */
  readonly accepted: boolean;
  /** The digest of the value the request carried (values.ts requestValueDigest). */
  readonly valueDigest: string | null;
  /** Why this request may be a repeat, when the run knows (a fault it injected). */
  readonly note?: string;
}

/** One dead-lettered or parked record, from the archive. */
export interface ArchivedRecord {
  readonly recordId: string;
  readonly outcome: ArchiveRecord['outcome'];
  readonly reason: string;
  /** ms since the epoch. */
  readonly archivedAt: number;
}

export interface CheckInput {
  readonly route: string;
  readonly topic: string;
  readonly produced: readonly ProducedRecord[];
  readonly requests: readonly EndpointRequest[];
  readonly archived: readonly ArchivedRecord[];
  /**
   * The record ids of the messages in the route's DLQ (or of the sends to it the run recorded):
   * a record counts as dead-lettered only with both an archive object and a DLQ message (I1).
   */
  readonly deadLetterQueue: readonly string[];
  /** The progress group's final offsets (partition -> next offset); absent partitions never committed. */
  readonly committed: ReadonlyMap<number, bigint>;
  /** The topic's log end offsets (partition -> high watermark). */
  readonly logEnd: ReadonlyMap<number, bigint>;
  /** Committed offsets during the run, each timed before its commit (I4); needs `finishes`. */
  readonly commitSamples?: readonly CommitSample[];
  /** Every completion the bridge wrote, when its write was issued (recorded.ts). */
  readonly finishes?: readonly RecordedFinish[];
  readonly inFlightSamples?: readonly InFlightSample[];
  readonly maxInFlight?: number;
  /** The route's onPoison (default 'quarantine'): what may follow a dead letter of a key (I2). */
  readonly onPoison?: OnPoison;
  readonly durationMs?: number;
}

export interface Duplicate {
  readonly recordId: string;
  /** 2xx answers the endpoint gave for this record. */
  readonly accepted: number;
  readonly reason: string;
}

export interface InvariantReport {
  readonly produced: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly parked: number;
  /** I1: below the committed offset, neither accepted by the endpoint nor archived. */
  readonly lost: number;
  /** Not finished and at or above the committed offset (an unfinished run, not a loss). */
  readonly unfinished: number;
  /**
   * I2: records with a request (accepted or not) that came before an earlier record of their key
   * was accepted or dead-lettered, or (quarantine) after one was dead-lettered.
   */
  readonly orderViolations: number;
  /** Accepted requests whose value differs from the record's in the topic. */
  readonly valueMismatches: number;
  /** I1: archived as dead-lettered without a DLQ message (not counted as dead-lettered). */
  readonly deadLettersWithoutDlq: number;
  /** I5: 2xx answers beyond the first for one record. */
  readonly duplicates: number;
  readonly duplicateDetails: readonly Duplicate[];
  /** I4: a sampled commit passed a record whose completion was not written before it. */
  readonly commitPastUnfinished: number;
  /** I4: sampled committed offsets that were below an earlier sample of the same partition. */
  readonly commitMovedBack: number;
  /** I6: samples whose in-flight count exceeded maxInFlight; null when not sampled. */
  readonly inFlightExceeded: number | null;
  readonly maxInFlightSeen: number | null;
  readonly lag: number;
  readonly examples: {
    readonly lost: readonly string[];
    readonly orderViolations: readonly string[];
    readonly commitPastUnfinished: readonly string[];
    readonly valueMismatches: readonly string[];
    readonly deadLettersWithoutDlq: readonly string[];
  };
  /** The summary the demo's checks computed, for anything not repeated here. */
  readonly summary: DemoSummary;
}

const MAX_EXAMPLES = 10;

/** Pure: computes the report from what a run collected. */
export function checkInvariants(input: CheckInput): InvariantReport {
  const orders = ordersOf(input);
  const accepted: SampleDelivery[] = [];
  for (const request of input.requests) {
    if (!request.accepted) continue;
    const order = orders.get(request.recordId);
    // A request for a record not produced in this run (cannot happen with unique topics) is
    // kept with its own id so summarize() ignores it rather than matching it to a record.
    accepted.push({
      recordId: request.recordId,
      orderId: request.recordId,
      customer: order?.customer ?? `?${request.recordId}`,
      seq: order?.seq ?? 0,
      at: request.at,
    });
  }
  // A dead letter is an archive object and a DLQ message (I1); a parked record is archived only.
  const inDlq = new Set(input.deadLetterQueue);
  const withoutDlq = input.archived.filter((a) => a.outcome === 'dead-lettered' && !inDlq.has(a.recordId));
  const deadLetters = input.archived.filter((a) => !withoutDlq.includes(a));
  const archived: ArchivedOrder[] = deadLetters.map((a) => ({
    recordId: a.recordId,
    outcome: a.outcome,
    reason: a.reason,
    archivedAt: a.archivedAt,
    order: orders.get(a.recordId),
  }));
  const summary = summarize({
    route: input.route,
    topic: input.topic,
    produced: [...orders.values()],
    accepted,
    attempts: input.requests,
    ...(input.onPoison === undefined ? {} : { onPoison: input.onPoison }),
    failedRequests: input.requests.filter((r) => !r.accepted).length,
    archived,
    partitions: partitionsOf(input),
    durationMs: input.durationMs ?? 0,
  });
  const values = valueMismatches(
    new Map(input.produced.map((p) => [idOf(input, p), p.valueDigest])),
    input.requests,
  );
  const samples = input.commitSamples ?? [];
  if (samples.length > 0 && input.finishes === undefined)
    throw new Error('checkInvariants: commit samples need the recorded completion writes (finishes)');
  const commit = commitsPastUnfinished(
    [...orders.values()].map((o) => ({ recordId: o.orderId, partition: o.partition, offset: o.offset })),
    samples,
    input.finishes ?? [],
  );
  return {
    produced: summary.produced,
    delivered: summary.delivered,
    deadLettered: summary.deadLettered,
    parked: summary.parked,
    lost: summary.lost,
    unfinished: summary.unfinished,
    orderViolations: summary.orderViolations,
    valueMismatches: values.length,
    deadLettersWithoutDlq: withoutDlq.length,
    duplicates: summary.duplicates,
    duplicateDetails: explainDuplicates(input.requests),
    commitPastUnfinished: commit.count,
    commitMovedBack: movedBack(samples),
    ...inFlightCheck(input.inFlightSamples, input.maxInFlight),
    lag: summary.lag,
    examples: {
      lost: summary.examples.lost,
      orderViolations: summary.examples.orderViolations,
      commitPastUnfinished: commit.examples,
      valueMismatches: values
        .slice(0, MAX_EXAMPLES)
        .map((m) => `${m.recordId} at ${m.at}: value ${m.got ?? 'null'}, produced ${m.expected ?? 'null'}`),
      deadLettersWithoutDlq: withoutDlq.slice(0, MAX_EXAMPLES).map((a) => `${a.recordId}: ${a.reason}`),
    },
    summary,
  };
}

function idOf(input: CheckInput, record: ProducedRecord): string {
  return recordId({
    route: input.route,
    topic: input.topic,
    partition: record.partition,
    offset: String(record.offset),
  });
}

/**
 * One demo "order" per Kafka record: orderId = record id, customer = key (null keys are ordered
 * per partition), seq = position among the key's records (by offset).
 */
function ordersOf(input: CheckInput): Map<string, ProducedOrder> {
  const orders = new Map<string, ProducedOrder>();
  const seqOfKey = new Map<string, number>();
  const sorted = [...input.produced].sort((a, b) =>
    a.partition !== b.partition
      ? a.partition - b.partition
      : a.offset < b.offset
        ? -1
        : a.offset > b.offset
          ? 1
          : 0,
  );
  for (const record of sorted) {
    const id = idOf(input, record);
    const customer = record.key === null ? `\u0000p${record.partition}` : `k:${record.key}`;
    const seq = (seqOfKey.get(customer) ?? 0) + 1;
    seqOfKey.set(customer, seq);
    orders.set(id, {
      orderId: id,
      customer,
      seq,
      amountCents: 0,
      createdAt: '',
      partition: record.partition,
      offset: record.offset,
    });
  }
  return orders;
}

function partitionsOf(input: CheckInput): PartitionCommit[] {
  return [...input.logEnd.entries()].map(([partition, logEnd]) => {
    const after = input.committed.get(partition);
    return {
      topic: input.topic,
      partition,
      before: after,
      after,
      logEnd,
      lag: after === undefined ? logEnd : logEnd - after,
      waitingBehindHole: 0,
      cleaned: 0,
    };
  });
}
