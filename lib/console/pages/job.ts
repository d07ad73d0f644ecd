import { CliError } from '../../cli/errors.ts';
import { html, table } from '../html.ts';
import type { Page, PageContext } from '../router.ts';

/** A replay's progress: each record's outcome as it is known; reloads itself while running. */
export async function jobPage(page: PageContext): Promise<Page> {
  const job = page.jobs.get(page.url.searchParams.get('id') ?? '');
  if (job === undefined) throw new CliError('no such replay (the console keeps them until it stops)');
  return {
    title: job.title,
    ...(job.state === 'running' ? { refresh: 1 } : {}),
    body: html`<p role="status" data-state="${job.state}">Started ${job.startedAt}: ${
      job.state === 'running'
        ? 'running…'
        : job.state === 'done'
          ? 'done.'
          : html`<span class="error">failed: ${job.error}</span>`
    } ${job.records.length} record(s) so far.</p>
${table(
  ['#', 'record id', 'key', 'outcome', 'dedup id'],
  job.records.map((r, i) => [i + 1, r.recordId, r.key, r.outcome, r.deduplicationId ?? null]),
)}
${job.reports.map(
  (report) => html`<p>Route ${report.route}: ${report.removedFromDlq} removed from the DLQ.
${report.lifted.map((key) => html`<br>Quarantine of key ${key} lifted.`)}
${report.stillQuarantined.map(({ key, reason }) => html`<br><span class="error">Key ${key} stays quarantined: ${reason}</span>`)}</p>`,
)}
<p><a href="${page.href('/quarantine')}">Quarantine</a> · <a href="${page.href('/dead-letters', { route: job.route })}">Dead letters of ${job.route}</a></p>`,
  };
}
