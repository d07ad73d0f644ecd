// I4 (the commit never passes an unfinished record) and I6 (bounded buffer), from samples taken
// during the run. A record is finished when its completion was written (RecordedFinish: the
// time the ledger entry or completion write was issued, from the bridge's own calls); a commit
// sample's time is taken before the Kafka offset commit it reports. So a sample that passed a
// record whose completion write was issued only after it (an entry lost in a crash and
// rewritten later, or never written) is a commit past an unfinished record.
import type { RecordedFinish } from './recorded.ts';

/** The progress group's offset of a partition, committed at `at` (taken before the commit). */
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

const MAX_EXAMPLES = 10;

/** Records (by id) that a sampled commit passed before their completion was written. */
export function commitsPastUnfinished(
  records: readonly { readonly recordId: string; readonly partition: number; readonly offset: bigint }[],
  samples: readonly CommitSample[],
  finishes: readonly RecordedFinish[],
): { count: number; examples: string[] } {
  const finishedAt = new Map<string, number>();
  for (const finish of finishes) {
    const seen = finishedAt.get(finish.recordId);
    if (seen === undefined || finish.at < seen) finishedAt.set(finish.recordId, finish.at);
  }
  const byPartition = new Map<number, (typeof records)[number][]>();
  for (const record of records) {
    const list = byPartition.get(record.partition) ?? [];
    list.push(record);
    byPartition.set(record.partition, list);
  }
  const violations = new Set<string>();
  const examples: string[] = [];
  for (const sample of samples) {
    for (const record of byPartition.get(sample.partition) ?? []) {
      if (record.offset >= sample.committed || violations.has(record.recordId)) continue;
      const at = finishedAt.get(record.recordId);
      if (at !== undefined && at <= sample.at) continue;
      violations.add(record.recordId);
      if (examples.length < MAX_EXAMPLES) {
        examples.push(
          `${record.recordId}: committed ${sample.committed} at ${sample.at}, completion written ${at === undefined ? 'never' : `at ${at}`}`,
        );
      }
    }
  }
  return { count: violations.size, examples };
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

/** I6: samples above `maxInFlight`, and the highest count seen; null when not sampled. */
export function inFlightCheck(
  samples: readonly InFlightSample[] | undefined,
  maxInFlight: number | undefined,
): { inFlightExceeded: number | null; maxInFlightSeen: number | null } {
  if (samples === undefined || samples.length === 0 || maxInFlight === undefined)
    return { inFlightExceeded: null, maxInFlightSeen: null };
  return {
    inFlightExceeded: samples.filter((s) => s.inFlight > maxInFlight).length,
    maxInFlightSeen: Math.max(...samples.map((s) => s.inFlight)),
  };
}
