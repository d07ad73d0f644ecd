import type { BreakerReading } from '../../breaker/breaker.ts';
import { deadLetteredPerMinute, failed, type Reading, routeOverview } from '../../cli/overview.ts';
import { status } from '../../cli/status.ts';
import { fields, type Html, html, table } from '../html.ts';
import type { Page, PageContext } from '../router.ts';

/** Every route at a glance, refreshed every 5 s; a part that cannot be read shows why. */
export async function routesPage(page: PageContext): Promise<Page> {
  const { ctx, href } = page;
  const overviews = await Promise.all(ctx.config.routes.map((route) => routeOverview(ctx, route.name)));
  const rows = overviews.map((o) => [
    html`<a href="${href('/route', { name: o.route })}">${o.route}</a>`,
    shown(o.lag, (lag) => html`<span class="num" data-field="lag">${lag}</span>`),
    elided(o.status, (s) => html`<span class="num">${s.inFlight}</span>`),
    elided(
      o.status,
      (s) => html`<a href="${href('/dead-letters', { route: o.route })}" class="num">${s.deadLetters}</a>`,
    ),
    shown(
      o.quarantinedKeys,
      (n) => html`<a href="${href('/quarantine', { route: o.route })}" class="num">${n}</a>`,
    ),
    shown(o.breaker, breakerText),
    shown(o.lastDeadLetter, (d) =>
      d === null ? 'none' : html`<a href="${href('/dead-letter', { id: d.recordId })}">${d.reason}</a>`,
    ),
    elided(o.status, (s) => filteredCell(s.filtered)),
  ]);
  return {
    title: 'Routes',
    refresh: 5,
    body: html`<p class="note">Refreshes every 5 s. Read ${new Date().toISOString()}.</p>
${table(['route', 'lag', 'in flight', 'DLQ depth', 'quarantined keys', 'breaker', 'last dead letter', 'filtered (1 h)'], rows)}
<p class="note">${FILTERED_NOTE}</p>`,
  };
}

/** One route: per partition committed / log end / lag, and per minute over the last hour. */
export async function routePage(page: PageContext): Promise<Page> {
  const { ctx, url, readings } = page;
  const name = url.searchParams.get('name') ?? '';
  const route = ctx.route(name);
  const [routeStatus] = await status(ctx, route.name);
  const now = Date.now();
  const finished = readings.finishedPerMinute(route.name, now);
  const dead = await deadLetteredPerMinute(ctx, route.name, now);
  const minutes = [...new Set([...finished.keys(), ...dead.keys()])].sort((a, b) => b - a);
  const peak = Math.max(1, ...finished.values(), ...dead.values());
  const minuteRows = minutes.map((minute) => {
    const done = finished.get(minute);
    const lettered = dead.get(minute) ?? 0;
    return [
      new Date(minute).toISOString().slice(11, 16),
      done === undefined ? null : Math.max(0, done - lettered),
      lettered,
      done ?? null,
      html`<span class="bar" aria-hidden="true">${'█'.repeat(Math.round(((done ?? lettered) / peak) * 20))}</span>`,
    ];
  });
  return {
    title: `Route ${route.name}`,
    refresh: 15,
    body: html`${fields([
      ['topics', route.topics.join(', ')],
      ['endpoint', route.endpoint.type === 'http' ? route.endpoint.url : route.endpoint.functionArn],
      ['progress group', routeStatus?.progressGroup],
      ['in flight', routeStatus?.inFlight],
      ['DLQ depth', routeStatus?.deadLetters],
      [
        'filtered out (last hour)',
        routeStatus === undefined ? undefined : filteredCell(routeStatus.filtered),
      ],
    ])}
<p class="note">${FILTERED_NOTE}</p>
<h2>Partitions</h2>
${table(
  ['topic', 'partition', 'committed', 'log end', 'lag'],
  (routeStatus?.partitions ?? []).map((p) => [p.topic, p.partition, p.committed, p.logEnd, p.lag]),
)}
<h2>Per minute, last hour (UTC)</h2>
<p class="note">Finished: the advance of the committed offsets between the console's own readings
(every ${Math.round(readings.intervalMs / 1000)} s since it started; minutes before that are not known).
Dead-lettered: records dead-lettered or parked, from the archive's timestamps.
Delivered: finished minus dead-lettered, so approximate where a minute's commit trails its deliveries.
${readings.lastError === undefined ? '' : html`<span class="error">Last reading failed: ${readings.lastError}</span>`}</p>
${table(['minute', 'delivered', 'dead-lettered', 'finished', ''], minuteRows)}`,
  };
}

const FILTERED_NOTE =
  "Filtered: records the route's filter left out in the last hour; committed, never sent. From the poller's metric mps.poller.filtered.count (unknown: no poller published it in that hour).";

function filteredCell(filtered: number | null): Html {
  return html`<span class="num" data-field="filtered">${filtered ?? 'unknown'}</span>`;
}

function breakerText(reading: BreakerReading): string {
  switch (reading.state) {
    case 'none':
      return 'no breaker';
    case 'open':
      return `open until ${reading.until}`;
    default:
      return reading.state;
  }
}

/** A status-derived cell: its value, or a dash (the lag cell says why the status failed). */
function elided<T>(reading: Reading<T>, show: (value: T) => Html): Html | string {
  return failed(reading) ? '-' : show(reading);
}

/** A reading's value, or why it could not be read. */
function shown<T>(reading: Reading<T>, show: (value: T) => Html | string): Html | string {
  return failed(reading) ? html`<span class="error">cannot read: ${reading.error}</span>` : show(reading);
}
