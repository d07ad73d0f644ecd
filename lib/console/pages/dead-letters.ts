import { type DeadLetterFilter, type DeadLetterList, dlqList, dlqReplay, dlqShow } from '../../cli/dlq.ts';
import { CliError } from '../../cli/errors.ts';
import { eachRoute, failed } from '../../cli/overview.ts';
import { fields, type Html, html, table } from '../html.ts';
import type { Page, PageContext, PostResult } from '../router.ts';
import { startReplay, stringList, text } from './replay.ts';

/** The route's (or every route's) dead letters, with `dlq list`'s filters. */
export async function deadLettersPage(page: PageContext): Promise<Page> {
  const { ctx, url } = page;
  const routeName = url.searchParams.get('route') || undefined;
  const filter = filterOf(url);
  const lists = await eachRoute(ctx, routeName, async (route) => (await dlqList(ctx, route, filter))[0]);
  const query = {
    key: url.searchParams.get('key') ?? undefined,
    since: url.searchParams.get('since') ?? undefined,
    error: url.searchParams.get('error') ?? undefined,
  };
  return {
    title: 'Dead letters',
    body: html`<form method="get" action="/dead-letters" class="filters">
<label>Route <select name="route"><option value="">every route</option>${ctx.config.routes.map((r) => html`<option${r.name === routeName ? html` selected` : ''}>${r.name}</option>`)}</select></label>
<label>Key <input name="key" value="${query.key}" placeholder="text or base64:..."></label>
<label>Since <input name="since" value="${query.since}" placeholder="2026-11-23T09:00:00Z"></label>
<label>Error text <input name="error" value="${query.error}"></label>
<button type="submit">Filter</button>
</form>
${lists.map(({ route, reading }) =>
  failed(reading)
    ? html`<section><h2>Route ${route}</h2><p class="error">Cannot be read: ${reading.error}</p></section>`
    : reading === undefined
      ? ''
      : listSection(page, reading, query),
)}`,
  };
}

function listSection(
  page: PageContext,
  list: DeadLetterList,
  query: Readonly<Record<string, string | undefined>>,
): Html {
  const { href } = page;
  return html`<section>
<h2>Route ${list.route}</h2>
<p>${list.deadLetters.length} dead letter(s) to act on, ${list.dlqDepth} message(s) in the DLQ.
${page.allowReplay && list.deadLetters.length > 0 ? html`<a class="action" href="${href('/dead-letters/replay', { route: list.route, ...query })}">Replay these ${list.deadLetters.length}…</a>` : ''}</p>
${table(
  ['record id', 'key', 'time', 'attempts', 'reason'],
  list.deadLetters.map((d) => [
    html`<a href="${href('/dead-letter', { id: d.recordId })}">${d.recordId}</a>`,
    d.key,
    d.time,
    d.attempts,
    d.reason,
  ]),
)}
</section>`;
}

/** One dead letter as `dlq show` has it: metadata, payload preview, every attempt and answer. */
export async function deadLetterPage(page: PageContext): Promise<Page> {
  const { ctx, url, href } = page;
  const d = await dlqShow(ctx, url.searchParams.get('id') ?? '');
  return {
    title: `Dead letter ${d.recordId}`,
    body: html`${fields([
      ['outcome', `${d.outcome}: ${d.reason}`],
      ['key', d.key ?? (d.keyProblem === null ? '(none)' : `(unknown: ${d.keyProblem})`)],
      ['message group', d.messageGroupId],
      [
        'position',
        `topic ${d.topic ?? '-'} partition ${d.partition ?? '-'} offset ${d.offset ?? '-'} (from ${d.from ?? '-'})`,
      ],
      ['timestamp', d.timestamp],
      [
        'archived',
        `${d.archivedAt} (s3 ${d.archive})${d.replayedAt === null ? '' : `, replayed ${d.replayedAt}`}`,
      ],
      [
        'headers',
        d.headers.length === 0 ? '(none)' : d.headers.map((h) => `${h.name}=${h.value ?? 'null'}`).join(', '),
      ],
      ['payload', d.payloadBytes === null ? '(none)' : `${d.payloadBytes} bytes`],
    ])}
${d.payloadPreview === null ? '' : html`<h2>Payload preview</h2><pre class="payload">${d.payloadPreview}</pre>`}
<h2>Attempts (${d.attemptCount})</h2>
${table(
  ['#', 'receive', 'started', 'status', 'error', 'answer'],
  d.attempts.map((a) => [a.attempt, a.receive, a.startedAt, a.status ?? null, a.error, a.excerpt ?? null]),
)}
<p><a href="${href('/trace', { id: d.recordId })}">Trace this record</a>
${page.allowReplay && d.replayedAt === null && d.outcome === 'dead-lettered' ? html` · <a class="action" href="${href('/dead-letters/replay', { route: d.route, id: d.recordId })}">Replay this record…</a>` : ''}</p>`,
  };
}

/** The dry run: exactly what a replay would send, and the confirm that sends it. */
export async function replayPreviewPage(page: PageContext): Promise<Page> {
  const { ctx, url } = page;
  const routeName = url.searchParams.get('route') ?? '';
  const route = ctx.route(routeName);
  const id = url.searchParams.get('id');
  const filter: DeadLetterFilter = id === null ? filterOf(url) : { recordIds: [id] };
  const selected = (await dlqList(ctx, route.name, filter))[0]?.deadLetters ?? [];
  const quarantines = route.onPoison === 'quarantine' && route.ordering !== 'none';
  return {
    title: `Replay dead letters of ${route.name}`,
    body: html`<p>Dry run: nothing has been sent. A replay sends these ${selected.length} record(s) back into the route's queue,
in offset order per key, with new deduplication ids, and removes them from the DLQ.
${quarantines ? 'A record of a quarantined key is replayed with the records parked behind it, one at a time, each waited for.' : ''}</p>
${table(
  ['record id', 'key', 'time', 'attempts', 'reason'],
  selected.map((d) => [d.recordId, d.key, d.time, d.attempts, d.reason]),
)}
${selected.length === 0 ? html`<p>Nothing to replay.</p>` : confirmForm(page, '/api/replay/dead-letters', { route: route.name, recordIds: selected.map((d) => d.recordId) }, `Replay ${selected.length} record(s)`)}`,
  };
}

/** Starts the replay of exactly the record ids the preview listed (those still pending). */
export async function replayDeadLettersPost(page: PageContext, body: unknown): Promise<PostResult> {
  const { route, recordIds } = body as { route?: unknown; recordIds?: unknown };
  const name = text(route, 'route');
  const ids = stringList(recordIds, 'recordIds');
  return startReplay(page, name, `Replay of ${ids.length} dead letter(s) of ${name}`, (onRecord) =>
    dlqReplay(page.ctx, name, { recordIds: ids }, { onRecord, holder: 'the operator console' }),
  );
}

/** The confirm: a checkbox to tick and a button the script turns into a POST with the token header. */
export function confirmForm(page: PageContext, action: string, body: unknown, label: string): Html {
  if (!page.allowReplay)
    return html`<p class="note">This console is read-only (start it with --allow-replay to replay).</p>`;
  return html`<form class="confirm" data-action="${action}" data-body="${JSON.stringify(body)}">
<label><input type="checkbox" name="confirm" required> I checked the list above: replay it</label>
<button type="submit">${label}</button>
<output class="error" role="alert"></output>
</form>`;
}

function filterOf(url: URL): DeadLetterFilter {
  const key = url.searchParams.get('key') || undefined;
  const since = url.searchParams.get('since') || undefined;
  const error = url.searchParams.get('error') || undefined;
  const at = since === undefined ? undefined : Date.parse(since);
  if (at !== undefined && Number.isNaN(at))
    throw new CliError(`since ${since} is not a time: use ISO 8601, e.g. 2026-11-23T09:00:00Z`);
  return {
    ...(key === undefined ? {} : { key }),
    ...(at === undefined ? {} : { since: at }),
    ...(error === undefined ? {} : { error }),
  };
}
