import { table, visible as v } from './format.ts';
import type { ProduceResult } from './produce.ts';
import type { ReplayReport } from './replay.ts';
import type { TraceResult } from './trace.ts';

/* Text for people of the commands whose wording is held by tests (test/unit/cli/texts.test.ts). */

/** A delivered record's attempts are counted only while it is retried: never "0" for one. */
export function attemptsText(t: Pick<TraceResult, 'attemptCount' | 'state'>): string {
  if (t.attemptCount > 0 || !t.state.startsWith('delivered')) return String(t.attemptCount);
  return 'at least 1 (a delivered record keeps no attempt count once it is finished)';
}

export function replayText(report: ReplayReport, dryRun = false): string {
  const would = report.records.filter((r) => r.outcome === 'would-send').length;
  const lines = [
    dryRun
      ? `route ${report.route}: dry run, nothing changed: ${would} record(s) would be replayed`
      : `route ${report.route}: ${report.records.filter((r) => r.deduplicationId !== undefined).length} record(s) replayed, ${report.removedFromDlq} removed from the DLQ`,
  ];
  if (report.records.length > 0) {
    lines.push(
      table(
        ['record id', 'key', 'outcome', 'dedup id'],
        report.records.map((r) => [r.recordId, r.key, r.outcome, r.deduplicationId ?? null]),
      ),
    );
  }
  for (const key of report.lifted) lines.push(`quarantine of key ${v(key)} lifted`);
  for (const { key, reason } of report.stillQuarantined)
    lines.push(`key ${v(key)} stays quarantined: ${v(reason)}`);
  return lines.join('\n');
}

export function producedText(r: ProduceResult): string {
  const first = r.partitions[0];
  return [
    `produced ${r.produced} record(s) to topic ${r.topic} of route ${r.route}`,
    table(
      ['partition', 'first offset', 'last offset', 'records'],
      r.partitions.map((p) => [p.partition, p.first, p.last, p.count]),
    ),
    first === undefined
      ? ''
      : `follow one: kafka-bridge trace ${r.route}/${r.topic}/${first.partition}/${first.first}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}
