// The invariant checker of the reliability suite (issue 9): after a run it compares what was
// produced (the topic, read back), what the endpoint received, the DLQ archive and the progress
// group's offsets, and counts what docs/architecture.md's invariants forbid. Loss, order and duplicates are
// counted by lib/local/summary.ts's summarize() (the demo's checks), fed with one "order" per
// Kafka record; this module adds the commit (I4) and in-flight (I6) checks and the reasons.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import { Archive, type ArchiveRecord } from '../archive/archive.ts';
import type { PartitionCommit } from '../commit/committer.ts';
import { progressGroupId } from '../config/index.ts';
import { parseRecordId, recordId } from '../envelope/index.ts';
import type { KafkaOffsets } from '../kafka/offsets.ts';
import type { ArchivedOrder } from '../local/archive-reader.ts';
import type { ProducedOrder } from '../local/order-producer.ts';
import type { SampleDelivery } from '../local/sample-endpoint.ts';
import { type DemoSummary, summarize } from '../local/summary.ts';

/** One record of the topic, as read back. */
export interface ProducedRecord {
  readonly partition: number;
  readonly offset: bigint;
  /** UTF-8 of the key; null for a null key. */
  readonly key: string | null;
}

/** One request the endpoint received (in arrival order). */
export interface EndpointRequest {
  /** The idempotency key: route/topic/partition/offset. */
  readonly recordId: string;
  /** ms since the epoch when the request arrived. */
  readonly at: number;
  /** True when the endpoint answered 2xx (the deliverer may still not have seen it: a timeout). */
  readonly accepted: boolean;
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

/** The progress group's offset of a partition as seen at one moment during the run. */
export interface CommitSample {
  readonly at: number;
  readonly partition: number;
  readonly committed: bigint;
}

/** The poller's in-flight count of a partition at one moment (I6). */
export interface InFlightSample {
  readonly at: number;
  readonly partition: number;
  readonly inFlight: number;
}

export interface CheckInput {
  readonly route: string;
  readonly topic: string;
  readonly produced: readonly ProducedRecord[];
  readonly requests: readonly EndpointRequest[];
  readonly archived: readonly ArchivedRecord[];
  /** The progress group's final offsets (partition -> next offset); absent partitions never committed. */
  readonly committed: ReadonlyMap<number, bigint>;
  /** The topic's log end offsets (partition -> high watermark). */
  readonly logEnd: ReadonlyMap<number, bigint>;
  readonly commitSamples?: readonly CommitSample[];
  readonly inFlightSamples?: readonly InFlightSample[];
  readonly maxInFlight?: number;
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
  /** I2: per-key order broken (or a key delivered past its dead letter). */
  readonly orderViolations: number;
  /** I5: 2xx answers beyond the first for one record. */
  readonly duplicates: number;
  readonly duplicateDetails: readonly Duplicate[];
  /** I4: a sampled committed offset passed a record that was not finished at that moment. */
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
  };
  /** The summary the demo's checks computed, for anything not repeated here. */
  readonly summary: DemoSummary;
}

const MAX_EXAMPLES = 10;

/** Pure: computes the report from what a run collected. */
export function checkInvariants(input: CheckInput): InvariantReport {
  // One demo "order" per Kafka record: orderId = record id, customer = key (null keys are
  // ordered per partition), seq = position among the key's records (by offset).
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
    const id = recordId({
      route: input.route,
      topic: input.topic,
      partition: record.partition,
      offset: String(record.offset),
    });
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
  const archived: ArchivedOrder[] = input.archived.map((a) => ({
    recordId: a.recordId,
    outcome: a.outcome,
    reason: a.reason,
    order: orders.get(a.recordId),
  }));
  const partitions: PartitionCommit[] = [...input.logEnd.entries()].map(([partition, logEnd]) => {
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
  const summary = summarize({
    route: input.route,
    topic: input.topic,
    produced: [...orders.values()],
    accepted,
    failedRequests: input.requests.filter((r) => !r.accepted).length,
    archived,
    partitions,
    durationMs: input.durationMs ?? 0,
  });

  const commit = commitCheck(input, orders);
  return {
    produced: summary.produced,
    delivered: summary.delivered,
    deadLettered: summary.deadLettered,
    parked: summary.parked,
    lost: summary.lost,
    unfinished: summary.unfinished,
    orderViolations: summary.orderViolations,
    duplicates: summary.duplicates,
    duplicateDetails: explainDuplicates(input.requests),
    commitPastUnfinished: commit.commitPastUnfinished,
    commitMovedBack: movedBack(input.commitSamples ?? []),
    ...inFlightCheck(input),
    lag: summary.lag,
    examples: {
      lost: summary.examples.lost,
      orderViolations: summary.examples.orderViolations,
      commitPastUnfinished: commit.examples,
    },
    summary,
  };
}

/**
 * Why a record was accepted more than once. The deliverer repeats a request only when it did not
 * see the answer (timeout, connection error) or crashed before writing the completion.
 */
function explainDuplicates(requests: readonly EndpointRequest[]): Duplicate[] {
  const byRecord = new Map<string, EndpointRequest[]>();
  for (const request of requests) {
    const list = byRecord.get(request.recordId) ?? [];
    list.push(request);
    byRecord.set(request.recordId, list);
  }
  const duplicates: Duplicate[] = [];
  for (const [id, list] of byRecord) {
    const acceptedCount = list.filter((r) => r.accepted).length;
    if (acceptedCount < 2) continue;
    const firstAccepted = list.findIndex((r) => r.accepted);
    const noted = list.slice(0, firstAccepted + 1).find((r) => r.note !== undefined)?.note;
    duplicates.push({
      recordId: id,
      accepted: acceptedCount,
      reason: noted ?? 'unexplained: accepted, then delivered again without a fault noted by the run',
    });
  }
  return duplicates;
}

/** Samples whose committed offset is below an earlier sample's of the same partition. */
export function movedBack(samples: readonly CommitSample[]): number {
  const highest = new Map<number, bigint>();
  let count = 0;
  for (const sample of [...samples].sort((a, b) => a.at - b.at)) {
    const seen = highest.get(sample.partition);
    if (seen !== undefined && sample.committed < seen) count++;
    else highest.set(sample.partition, sample.committed);
  }
  return count;
}

function commitCheck(
  input: CheckInput,
  orders: ReadonlyMap<string, ProducedOrder>,
): { commitPastUnfinished: number; examples: string[] } {
  // When each record finished: its first 2xx answer or its archiving.
  const finishedAt = new Map<string, number>();
  const finish = (id: string, at: number) => {
    const seen = finishedAt.get(id);
    if (seen === undefined || at < seen) finishedAt.set(id, at);
  };
  for (const request of input.requests) if (request.accepted) finish(request.recordId, request.at);
  for (const archived of input.archived) finish(archived.recordId, archived.archivedAt);

  const byPartition = new Map<number, ProducedOrder[]>();
  for (const order of orders.values()) {
    const list = byPartition.get(order.partition) ?? [];
    list.push(order);
    byPartition.set(order.partition, list);
  }
  const violations = new Set<string>();
  const examples: string[] = [];
  for (const sample of input.commitSamples ?? []) {
    for (const order of byPartition.get(sample.partition) ?? []) {
      if (order.offset >= sample.committed || violations.has(order.orderId)) continue;
      const at = finishedAt.get(order.orderId);
      if (at !== undefined && at <= sample.at) continue;
      violations.add(order.orderId);
      if (examples.length < MAX_EXAMPLES) {
        examples.push(
          `${order.orderId}: committed ${sample.committed} at ${sample.at}, finished ${at === undefined ? 'never' : `at ${at}`}`,
        );
      }
    }
  }
  return { commitPastUnfinished: violations.size, examples };
}

function inFlightCheck(input: CheckInput): {
  inFlightExceeded: number | null;
  maxInFlightSeen: number | null;
} {
  const samples = input.inFlightSamples;
  if (samples === undefined || samples.length === 0 || input.maxInFlight === undefined)
    return { inFlightExceeded: null, maxInFlightSeen: null };
  const limit = input.maxInFlight;
  return {
    inFlightExceeded: samples.filter((s) => s.inFlight > limit).length,
    maxInFlightSeen: Math.max(...samples.map((s) => s.inFlight)),
  };
}

/** Reads every record of a topic back, from the low to the high watermark of each partition. */
export async function readTopic(kafka: Kafka, topic: string, groupId: string): Promise<ProducedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
  const records: ProducedRecord[] = [];
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, rebalanceTimeout: 6_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`readTopic ${topic}: partitions ${[...remaining].join(',')} not read within 60 s`),
          ),
        60_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = BigInt(message.offset);
            const high = ends.get(partition) ?? 0n;
            if (offset < high)
              records.push({
                partition,
                offset,
                key: message.key === null ? null : message.key.toString('utf8'),
              });
            if (offset + 1n >= high) {
              remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Every archive object of the route: the record id, outcome, reason and when it was archived. */
export async function readArchive(s3: S3Client, bucket: string, route: string): Promise<ArchivedRecord[]> {
  const records: ArchivedRecord[] = [];
  for await (const { key, record } of new Archive(s3, bucket).list(route)) {
    if (record.recordId === undefined) {
      throw new Error(
        `archive object ${key} has no recordId (a malformed message): not a record of the topic`,
      );
    }
    parseRecordId(record.recordId);
    records.push({
      recordId: record.recordId,
      outcome: record.outcome,
      reason: record.reason,
      archivedAt: Date.parse(record.archivedAt),
    });
  }
  return records;
}

/** The progress group's committed offsets and the log ends of the route's topic. */
export async function readOffsets(
  offsets: KafkaOffsets,
  route: { readonly name: string; readonly groupPrefix?: string },
  topic: string,
): Promise<{ committed: Map<number, bigint>; logEnd: Map<number, bigint> }> {
  const committed = await offsets.committed(progressGroupId(route), topic);
  const watermarks = await offsets.watermarks(topic);
  return { committed, logEnd: new Map([...watermarks].map(([p, w]) => [p, w.high])) };
}
