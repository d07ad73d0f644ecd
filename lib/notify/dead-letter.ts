import { z } from 'zod';
import { COLORS, type DiscordEmbed } from './discord.ts';
import { truncate } from './limits.ts';
import { codeBlock, inlineCode } from './markdown.ts';
import { DEAD_LETTER_ANCHOR, runbookUrl } from './runbook.ts';

/**
 * What the deliverer (and the DLQ consumer) publish for each record they dead-letter, as the
 * body of an SQS or SNS message to the notifier. It names the record and the error, never the
 * payload: the summary goes to a chat channel. Unknown fields are ignored, so publishers may add
 * some (attempts, status) before the notifier shows them.
 */
export const DeadLetterEventSchema = z.object({
  kind: z.literal('dead-letter'),
  route: z.string().min(1),
  /** `route/topic/partition/offset` (lib/envelope/record-id.ts). */
  recordId: z.string().min(1),
  /** Why the record was dead-lettered: status and a short answer excerpt, or the bridge's reason. */
  reason: z.string(),
  /** When it was dead-lettered, ISO 8601. */
  at: z.iso.datetime({ offset: true }),
});

export type DeadLetterEvent = z.output<typeof DeadLetterEventSchema>;

export function looksLikeDeadLetter(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'dead-letter';
}

/** One route's dead letters of one notifier invocation. */
export interface DeadLetterSummary {
  readonly route: string;
  readonly count: number;
  /** The earliest dead letter: its error is the one shown. */
  readonly first: DeadLetterEvent;
  readonly lastAt: string;
  /** Up to `maxSamples` record ids, earliest first, no repeats. */
  readonly sampleRecordIds: readonly string[];
  /** Distinct reasons among the dead letters (the first one included). */
  readonly distinctReasons: number;
}

/**
 * Aggregates dead-letter events per route: the notifier is invoked with a batch collected over
 * a short window (the SQS event source's batching window), and posts one summary per route of
 * the batch, never one message per record. Routes come out in order of their first dead letter.
 */
export function summarizeDeadLetters(
  events: readonly DeadLetterEvent[],
  maxSamples: number,
): DeadLetterSummary[] {
  if (!Number.isInteger(maxSamples) || maxSamples < 0) {
    throw new RangeError(`maxSamples must be an integer >= 0, got ${maxSamples}`);
  }
  const byRoute = new Map<string, DeadLetterEvent[]>();
  for (const event of events) {
    const list = byRoute.get(event.route);
    if (list === undefined) byRoute.set(event.route, [event]);
    else list.push(event);
  }
  const summaries: DeadLetterSummary[] = [];
  for (const [route, list] of byRoute) {
    // Stable sort: records dead-lettered in the same millisecond keep their batch order.
    const sorted = [...list].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const first = sorted[0];
    const last = sorted.at(-1);
    if (first === undefined || last === undefined) continue;
    const samples = [...new Set(sorted.map((event) => event.recordId))].slice(0, maxSamples);
    summaries.push({
      route,
      count: list.length,
      first,
      lastAt: last.at,
      sampleRecordIds: samples,
      distinctReasons: new Set(list.map((event) => event.reason)).size,
    });
  }
  return summaries.sort((a, b) => Date.parse(a.first.at) - Date.parse(b.first.at));
}

/** Longest first-error excerpt shown: the archive in S3 has the full error. */
const REASON_EXCERPT = 500;

export interface DeadLetterEmbedOptions {
  readonly oncall?: string | undefined;
  readonly runbookBaseUrl?: string | undefined;
}

/** A route's dead-letter summary as a Discord embed. */
export function deadLetterEmbed(
  summary: DeadLetterSummary,
  options: DeadLetterEmbedOptions = {},
): DiscordEmbed {
  const { route, count, first } = summary;
  const runbook = runbookUrl(DEAD_LETTER_ANCHOR, options.runbookBaseUrl);
  const others = summary.distinctReasons - 1;
  const samples = summary.sampleRecordIds.map(inlineCode).join('\n');
  const more =
    count > summary.sampleRecordIds.length ? `\n… and ${count - summary.sampleRecordIds.length} more` : '';
  return {
    title: `[DEAD LETTERS] ${route}: ${count} record${count === 1 ? '' : 's'} dead-lettered`,
    color: COLORS.orange,
    // Record content (the reason) and ids never render as markdown: no links, no formatting.
    description: `First error (${inlineCode(first.recordId)}):\n${codeBlock(truncate(first.reason, REASON_EXCERPT))}${
      others > 0 ? `\n\n${others} other distinct error${others === 1 ? '' : 's'} in this batch.` : ''
    }`,
    fields: [
      { name: 'Route', value: route, inline: true },
      { name: 'Count', value: String(count), inline: true },
      { name: 'Window', value: first.at === summary.lastAt ? first.at : `${first.at} → ${summary.lastAt}` },
      ...(samples === '' ? [] : [{ name: 'Sample record ids', value: `${samples}${more}` }]),
      ...(options.oncall === undefined ? [] : [{ name: 'On call', value: options.oncall }]),
      {
        name: 'Next steps',
        value: `\`npx kafka-bridge dlq list --route ${route}\` · runbook: ${
          runbook.startsWith('http') ? `[dead-letter summaries](${runbook})` : runbook
        }`,
      },
    ],
    footer: { text: 'kafka-bridge · payloads are in the S3 archive, not in this message' },
    timestamp: new Date(Date.parse(first.at)).toISOString(),
  };
}
