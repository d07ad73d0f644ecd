// I2, order per key (docs/architecture.md), judged on every attempt: for two records a < b of
// one key, no request for b (accepted or not) may reach the endpoint before a finished, that
// is before the endpoint's 2xx answer to a or a's dead-lettering. With onPoison 'quarantine'
// (the default) a key's later records are not attempted at all once an earlier one was
// dead-lettered or parked; with 'block' only a 2xx finishes a record.

/** One record in its key's order (null keys: one order per partition). */
export interface KeyedRecord {
  readonly recordId: string;
  /** The key's order group: the key, or the partition for a null key. */
  readonly orderKey: string;
  /** Position among the order group's records, by offset. */
  readonly seq: number;
}

export interface Attempt {
  readonly recordId: string;
  /** When the request reached the endpoint (ms since the epoch). */
  readonly at: number;
  /** When the deliverer could have seen the answer; `at` when not known. */
  readonly answeredAt?: number;
  readonly accepted: boolean;
}

export interface DeadLetterTime {
  readonly recordId: string;
  /** When it was archived as dead-lettered or parked (ms since the epoch). */
  readonly at: number;
}

export type OnPoison = 'quarantine' | 'dlq' | 'block';

export interface OrderResult {
  /** Records with at least one request that broke the key's order. */
  readonly violations: number;
  readonly examples: readonly string[];
}

const MAX_EXAMPLES = 10;

export function orderViolations(
  records: readonly KeyedRecord[],
  attempts: readonly Attempt[],
  deadLetters: readonly DeadLetterTime[],
  onPoison: OnPoison = 'quarantine',
): OrderResult {
  const acceptedAt = new Map<string, number>();
  for (const attempt of attempts) {
    if (!attempt.accepted) continue;
    const answered = attempt.answeredAt ?? attempt.at;
    const seen = acceptedAt.get(attempt.recordId);
    if (seen === undefined || answered < seen) acceptedAt.set(attempt.recordId, answered);
  }
  const deadAt = new Map<string, number>();
  for (const dead of deadLetters) {
    const seen = deadAt.get(dead.recordId);
    if (seen === undefined || dead.at < seen) deadAt.set(dead.recordId, dead.at);
  }
  const attemptsOf = new Map<string, Attempt[]>();
  for (const attempt of attempts) {
    const list = attemptsOf.get(attempt.recordId) ?? [];
    list.push(attempt);
    attemptsOf.set(attempt.recordId, list);
  }
  const groups = new Map<string, KeyedRecord[]>();
  for (const record of records) {
    const list = groups.get(record.orderKey) ?? [];
    list.push(record);
    groups.set(record.orderKey, list);
  }

  const violating = new Set<string>();
  const examples: string[] = [];
  const flag = (record: KeyedRecord, text: string) => {
    if (violating.has(record.recordId)) return;
    violating.add(record.recordId);
    if (examples.length < MAX_EXAMPLES)
      examples.push(`${record.recordId} (${record.orderKey} #${record.seq}): ${text}`);
  };
  for (const group of groups.values()) {
    group.sort((a, b) => a.seq - b.seq);
    // The latest time an earlier record of the key finished (Infinity: one never did), and the
    // earliest one dead-lettered (quarantine: nothing after it may be attempted).
    let earlierDone = Number.NEGATIVE_INFINITY;
    let earlierRecord: KeyedRecord | undefined;
    let quarantinedBy: KeyedRecord | undefined;
    for (const record of group) {
      const tries = attemptsOf.get(record.recordId) ?? [];
      const early = tries.find((attempt) => attempt.at < earlierDone);
      if (early !== undefined && earlierRecord !== undefined) {
        const when = Number.isFinite(earlierDone) ? `finished at ${earlierDone}` : 'never finished';
        flag(
          record,
          `attempted at ${early.at} (${early.accepted ? 'accepted' : 'not accepted'}), but #${earlierRecord.seq} ${when}`,
        );
      }
      if (quarantinedBy !== undefined && tries.length > 0)
        flag(record, `attempted although #${quarantinedBy.seq} was dead-lettered (quarantine)`);
      const accepted = acceptedAt.get(record.recordId);
      const dead = onPoison === 'block' ? undefined : deadAt.get(record.recordId);
      const done = Math.min(accepted ?? Number.POSITIVE_INFINITY, dead ?? Number.POSITIVE_INFINITY);
      if (done >= earlierDone) {
        earlierDone = done;
        earlierRecord = record;
      }
      if (
        onPoison === 'quarantine' &&
        quarantinedBy === undefined &&
        accepted === undefined &&
        dead !== undefined
      )
        quarantinedBy = record;
    }
  }
  return { violations: violating.size, examples };
}
