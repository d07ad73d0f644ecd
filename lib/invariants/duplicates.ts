// I5's duplicates, explained: a record accepted more than once, with the reason the run noted
// for it (the fault it injected), else "unexplained".
import type { Duplicate, EndpointRequest } from './checker.ts';

/**
 * Why a record was accepted more than once. The deliverer repeats a request only when it did not
 * see the answer (timeout, connection error) or crashed before writing the completion.
 */
export function explainDuplicates(requests: readonly EndpointRequest[]): Duplicate[] {
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
