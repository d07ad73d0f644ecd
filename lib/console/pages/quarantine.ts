import { CliError } from '../../cli/errors.ts';
import { eachRoute, failed } from '../../cli/overview.ts';
import { quarantineList, quarantineReplay } from '../../cli/quarantine.ts';
import { html, table } from '../html.ts';
import type { Page, PageContext, PostResult } from '../router.ts';
import { confirmForm } from './dead-letters.ts';
import { startReplay, text } from './replay.ts';

/** Quarantined keys: the dead letter each waits behind and how many records are parked. */
export async function quarantinePage(page: PageContext): Promise<Page> {
  const { ctx, url, href } = page;
  const readings = await eachRoute(ctx, url.searchParams.get('route') || undefined, (route) =>
    quarantineList(ctx, route),
  );
  const keys = readings.flatMap(({ reading }) => (failed(reading) ? [] : reading));
  return {
    title: 'Quarantine',
    refresh: 10,
    body: html`<p class="note">Keys whose records wait behind a dead letter (refreshes every 10 s).</p>
${readings.map(({ route, reading }) => (failed(reading) ? html`<p class="error">Route ${route} cannot be read: ${reading.error}</p>` : ''))}
${table(
  ['route', 'key', 'behind', 'since', 'parked', ''],
  keys.map((k) => [
    k.route,
    k.key,
    html`<a href="${href('/dead-letter', { id: k.behind })}">${k.behind}</a>`,
    k.since,
    k.parked,
    page.allowReplay
      ? html`<a class="action" href="${href('/quarantine/replay', { route: k.route, group: k.messageGroupId })}">Replay…</a>`
      : '',
  ]),
)}`,
  };
}

/** The dry run of a key's replay: what it walks, in order, and the confirm. */
export async function quarantinePreviewPage(page: PageContext): Promise<Page> {
  const { ctx, url, href } = page;
  const route = ctx.route(url.searchParams.get('route') ?? '');
  const group = url.searchParams.get('group') ?? '';
  const entry = (await quarantineList(ctx, route.name)).find((k) => k.messageGroupId === group);
  if (entry === undefined)
    throw new CliError(`message group ${group} is not quarantined on route ${route.name}`);
  return {
    title: `Replay quarantined key ${entry.key}`,
    body: html`<p>Dry run: nothing has been sent. The replay sends the dead letter
<a href="${href('/dead-letter', { id: entry.behind })}">${entry.behind}</a> and the ${entry.parked} record(s) parked behind it
back into the queue one at a time, in offset order, waiting for each to be delivered. If one fails again the key stays
quarantined behind it and the rest stay parked. The quarantine is lifted when none is left.</p>
${confirmForm(page, '/api/replay/quarantine', { route: route.name, group }, `Replay key (${entry.parked + 1} record(s))`)}`,
  };
}

export async function replayQuarantinePost(page: PageContext, body: unknown): Promise<PostResult> {
  const { route, group } = body as { route?: unknown; group?: unknown };
  const name = text(route, 'route');
  const key = text(group, 'group');
  return startReplay(page, name, `Replay of quarantined message group ${key} of ${name}`, (onRecord) =>
    quarantineReplay(page.ctx, name, key, { onRecord, holder: 'the operator console' }),
  );
}
