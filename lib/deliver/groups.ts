import type { SQSRecord } from 'aws-lambda';

export interface GroupRun {
  /** Message ids whose handler threw: they go back to the queue. */
  readonly failed: readonly string[];
  /** Message ids held back, uncalled, behind a failed message of their group. */
  readonly skipped: readonly string[];
}

/**
 * Runs `handler` over a FIFO batch: the records of one message group strictly one after the
 * other, in batch order, and up to `inParallel` groups at once. The first failure of a group
 * fails it and holds back the rest of that group (their order must not be broken); other groups
 * go on (docs/architecture.md, Delivery). With `inParallel` 1 the groups run one after another.
 */
export async function runGroups(
  records: readonly SQSRecord[],
  inParallel: number,
  handler: (record: SQSRecord) => Promise<unknown>,
): Promise<GroupRun> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const id = record.attributes.MessageGroupId ?? '';
    const list = groups.get(id) ?? [];
    list.push(record);
    groups.set(id, list);
  }
  const failed: string[] = [];
  const skipped: string[] = [];
  const queue = [...groups.values()];
  const worker = async (): Promise<void> => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      for (const [index, record] of group.entries()) {
        try {
          await handler(record);
        } catch {
          failed.push(record.messageId);
          skipped.push(...group.slice(index + 1).map((r) => r.messageId));
          break;
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(inParallel, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { failed, skipped };
}
