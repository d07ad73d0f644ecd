import type { PartitionCommit } from '../commit/committer.ts';
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
  /** Records delivered out of their key's order, or past an earlier dead letter of their key (I2). */
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
  readonly failedRequests: number;
  readonly archived: readonly ArchivedOrder[];
  readonly partitions: readonly PartitionCommit[];
  readonly durationMs: number;
}

/**
 * Compares what was produced with what the endpoint accepted and what the archive holds.
 * Order: per key, the accepted records (first acceptance of each) must come in sequence order,
 * and none may come after an earlier record of the key was dead-lettered or parked (the demo
 * route quarantines keys, so a dead letter holds its key's later records back).
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

  // Lowest sequence number of each key that was dead-lettered or parked.
  const firstArchivedSeq = new Map<string, number>();
  for (const archived of archivedById.values()) {
    const order = archived.order;
    if (order === undefined || !producedIds.has(order.orderId)) continue;
    const seen = firstArchivedSeq.get(order.customer);
    if (seen === undefined || order.seq < seen) firstArchivedSeq.set(order.customer, order.seq);
  }
  let orderViolations = 0;
  const orderExamples: string[] = [];
  const lastSeq = new Map<string, number>();
  const violation = (text: string) => {
    orderViolations += 1;
    if (orderExamples.length < 10) orderExamples.push(text);
  };
  for (const delivery of firstAccepted.values()) {
    if (!producedIds.has(delivery.orderId)) continue;
    const last = lastSeq.get(delivery.customer) ?? 0;
    if (delivery.seq < last) violation(`${delivery.customer}: #${delivery.seq} accepted after #${last}`);
    else lastSeq.set(delivery.customer, delivery.seq);
    const blockedFrom = firstArchivedSeq.get(delivery.customer);
    if (blockedFrom !== undefined && delivery.seq > blockedFrom) {
      violation(`${delivery.customer}: #${delivery.seq} accepted although #${blockedFrom} was dead-lettered`);
    }
  }

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
    orderViolations,
    lag,
    partitions,
    durationMs: input.durationMs,
    ok: lost === 0 && orderViolations === 0 && lag === 0 && unfinished === 0,
    examples: { lost: lostExamples, orderViolations: orderExamples },
  };
}
