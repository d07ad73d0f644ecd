import { trace } from '../../cli/trace.ts';
import { fields, html, table } from '../html.ts';
import type { Page, PageContext } from '../router.ts';

/** Paste a record id, see where the record is and its history (`kafka-bridge trace`). */
export async function tracePage(page: PageContext): Promise<Page> {
  const { ctx, url, href } = page;
  const id = url.searchParams.get('id') ?? '';
  const form = html`<form method="get" action="/trace" class="filters">
<label>Record id <input name="id" value="${id}" placeholder="route/topic/partition/offset" size="50" required></label>
<button type="submit">Trace</button>
</form>`;
  if (id === '') return { title: 'Trace', body: form };
  const t = await trace(ctx, id);
  return {
    title: 'Trace',
    body: html`${form}
${fields([
  ['record', t.recordId],
  ['state', t.state],
  [
    'forwarded',
    t.forwarded === null ? 'unknown (in the queue, or not polled yet)' : t.forwarded ? 'yes' : 'no',
  ],
  [
    'committed',
    `${t.committed ? 'yes' : 'no'} (progress group at ${t.committedOffset ?? 'none'}, log end ${t.logEnd})`,
  ],
  [
    'completion',
    t.completion === null
      ? '(none)'
      : `${t.completion.status} at ${t.completion.at} after ${t.completion.attempts} attempt(s)`,
  ],
  [
    'archive',
    t.archive === null
      ? '(none)'
      : html`${t.archive.outcome}: ${t.archive.reason} (<a href="${href('/dead-letter', { id: t.recordId })}">${t.archive.key}</a>)${t.archive.replayedAt === null ? '' : `, replayed ${t.archive.replayedAt}`}`,
  ],
])}
<h2>Attempts (${t.attemptCount})</h2>
${table(
  ['#', 'receive', 'started', 'status', 'error', 'answer'],
  t.attempts.map((a) => [a.attempt, a.receive, a.startedAt, a.status ?? null, a.error, a.excerpt ?? null]),
)}`,
  };
}
