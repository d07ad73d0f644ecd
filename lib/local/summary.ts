import type { PartitionCommit } from '../commit/committer.ts';
import { type Attempt, type OnPoison, orderViolations } from '../invariants/order.ts';
import type { ArchivedOrder } from './archive-reader.ts';
import type { ProducedOrder } from './order-producer.ts';
import type { SampleDelivery } from './sample-endpoint.ts';

export interface PartitionSummary {
  readonly partition: number;
  /** The progress group's offset; null when the poller never started the partition. */
  readonly committed: string | null;
  readonly logEnd: string;
  readonly lag: number;
}

/** What the demo writes with --summary-json (numbers are record counts unless named otherwise). */
export interface DemoSummary {
  readonly route: string;
  readonly topic: string;
  readonly produced: number;
  /** Distinct records the endpoint accepted (2xx). */
  readonly delivered: number;
  /** Records in the archive: dead letters plus parked records of quarantined keys (docs/architecture.md I1). */
  readonly deadLettered: number;
  /** Of deadLettered, the records parked behind a dead letter of their key. */
  readonly parked: number;
  /** Accepted answers beyond the first for one record (at-least-once redeliveries). */
  readonly duplicates: number;
  /** Failed requests (503, 422) the deliverer saw: retries and dead letters. */
  readonly failedRequests: number;
  /** Records below the committed offset that were neither delivered nor archived (I1 broken). */
  readonly lost: number;
  /** Records not finished yet, at or above the committed offset (an interrupted run). */
  readonly unfinished: number;
  /**
   * Records attempted (accepted or not) before an earlier record of their key was accepted or
   * dead-lettered, or (quarantine) after one was dead-lettered (I2, lib/invariants/order.ts).
   */
  readonly orderViolations: number;
  /** Records between the committed offsets and the log ends, all partitions. */
  readonly lag: number;
  readonly partitions: readonly PartitionSummary[];
  readonly durationMs: number;
  /** True when nothing was lost, order held, and everything produced was committed. */
  readonly ok: boolean;
  /** Up to 10 examples of each problem, to start looking from. */
  readonly examples: { readonly lost: readonly string[]; readonly orderViolations: readonly string[] };
}

export interface SummaryInput {
  readonly route: string;
  readonly topic: string;
  readonly produced: readonly ProducedOrder[];
  readonly accepted: readonly SampleDelivery[];
  /**
   * Every request the endpoint got, accepted or not, by order id (`recordId` = orderId); when
   * absent, the accepted ones stand for all attempts (a failed attempt is then not judged).
   */
  readonly attempts?: readonly Attempt[];
  /** The route's onPoison (default 'quarantine', the demo route's). */
  readonly onPoison?: OnPoison;
  readonly failedRequests: number;
  readonly archived: readonly ArchivedOrder[];
  readonly partitions: readonly PartitionCommit[];
  readonly durationMs: number;
}

/**
 * Compares what was produced with what the endpoint accepted and what the archive holds.
 * Order is judged on every attempt (lib/invariants/order.ts): no request for a record before an
 * earlier record of its key was accepted or dead-lettered, and, as the demo route quarantines
 * keys, none after an earlier record of the key was dead-lettered or parked.
 */
export function summarize(input: SummaryInput): DemoSummary {
  const committed = new Map<number, bigint | undefined>(input.partitions.map((p) => [p.partition, p.after]));
  const firstAccepted = new Map<string, SampleDelivery>();
  let duplicates = 0;
  for (const delivery of input.accepted) {
    if (firstAccepted.has(delivery.orderId)) duplicates += 1;
    else firstAccepted.set(delivery.orderId, delivery);
  }
  const archivedById = new Map<string, ArchivedOrder>();
  for (const archived of input.archived)
    if (archived.order) archivedById.set(archived.order.orderId, archived);

  const producedIds = new Set(input.produced.map((order) => order.orderId));
  let lost = 0;
  let unfinished = 0;
  const lostExamples: string[] = [];
  for (const order of input.produced) {
    if (firstAccepted.has(order.orderId) || archivedById.has(order.orderId)) continue;
    const mark = committed.get(order.partition);
    if (mark !== undefined && order.offset < mark) {
      lost += 1;
      if (lostExamples.length < 10)
        lostExamples.push(`${order.orderId} (partition ${order.partition}, offset ${order.offset})`);
    } else {
      unfinished += 1;
    }
  }

  const order = orderViolations(
    input.produced.map((o) => ({ recordId: o.orderId, orderKey: o.customer, seq: o.seq })),
    input.attempts ?? input.accepted.map((d) => ({ recordId: d.orderId, at: d.at, accepted: true })),
    [...archivedById.values()].map((a) => ({ recordId: a.order?.orderId ?? a.recordId, at: a.archivedAt })),
    input.onPoison,
  );
  const orderViolationCount = order.violations;

  const partitions = input.partitions.map((p) => ({
    partition: p.partition,
    committed: p.after === undefined ? null : p.after.toString(),
    logEnd: p.logEnd.toString(),
    lag: Number(p.lag),
  }));
  const lag = partitions.reduce((sum, p) => sum + p.lag, 0);
  const delivered = [...firstAccepted.keys()].filter((id) => producedIds.has(id)).length;
  const archivedOfRun = [...archivedById.values()].filter((a) => a.order && producedIds.has(a.order.orderId));
  return {
    route: input.route,
    topic: input.topic,
    produced: input.produced.length,
    delivered,
    deadLettered: archivedOfRun.length,
    parked: archivedOfRun.filter((a) => a.outcome === 'parked').length,
    duplicates,
    failedRequests: input.failedRequests,
    lost,
    unfinished,
    orderViolations: orderViolationCount,
    lag,
    partitions,
    durationMs: input.durationMs,
    ok: lost === 0 && orderViolationCount === 0 && lag === 0 && unfinished === 0,
    examples: { lost: lostExamples, orderViolations: order.examples },
  };
}
