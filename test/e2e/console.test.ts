// The operator console in a real browser (Debian's Chromium, driven by playwright-core) against
// local mode: a route with a key the endpoint refuses until it is fixed, and a record whose key,
// value and endpoint answer are hostile markup and terminal escapes. Checks what an operator
// relies on: lag shown going to 0, the poisoned key in Quarantine, its replay delivering in
// order after the fix, hostile data shown as text with no script run, and the server refusing
// requests without the session the printed URL's one-time token opens (401), with a forged Host
// (403) or a change from another origin (403).
// With CONSOLE_SCREENSHOTS=<dir> (npm run docs:console) it saves the pages for docs/console.md.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertReachable, awsEndpoint, sqsEndpoint } from '../support/aws.ts';
import {
  type ConsoleWorld,
  FILTERED_PREFIX,
  HOSTILE,
  HOSTILE_KEY,
  type Message,
  POISON_KEY,
  seqOf,
  startConsoleWorld,
  UNREADABLE_ROUTE,
} from '../support/console-world.ts';
import { assertKafkaReachable } from '../support/kafka.ts';
import { eventually } from '../support/wait.ts';

const SHOTS = process.env.CONSOLE_SCREENSHOTS;
/** Records the console world's route filters out (keys FILTERED_PREFIX...). */
const FILTERED = 3;
const BIN = new URL('../../bin/kafka-bridge.ts', import.meta.url).pathname;
let world: ConsoleWorld;
let page: Page;
const dialogs: string[] = [];
const violations: string[] = [];

/**
 * Opens a console page. The pages refresh themselves (a meta refresh): when the previous page's
 * refresh fires while the next page is still being read (a slow reading on a loaded machine),
 * Chromium aborts the navigation in progress. That is the browser's rule, not the console's, so
 * the navigation is tried again.
 */
async function open(target: Page, address: string): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await target.goto(address);
      return;
    } catch (error) {
      if (tries >= 3 || !/ERR_ABORTED|interrupted by another navigation/.test(String(error))) throw error;
    }
  }
}

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (S3, DynamoDB)');
  await assertKafkaReachable();
  world = await startConsoleWorld();
  page = await world.browser.newPage();
  page.setDefaultTimeout(60_000); // a page waits for its slowest reading; the machine may be loaded
  // The printed URL, once: its token becomes the browser's session cookie.
  await open(page, world.console.url);
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  // Runs in the page before its own script (the CSP does not apply to it): reports blocked content.
  await page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (e) => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  });

  if (SHOTS !== undefined) await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await world?.stop();
});

async function shot(name: string, target: Page = page): Promise<void> {
  if (SHOTS !== undefined) await target.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

function url(path: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params);
  return `${world.console.origin}${path}?${query}`;
}

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  eventually(what, probe, { timeoutMs, intervalMs: 500, problems: world.problems });

/** A raw HTTP request, so the Host header can be forged (fetch does not let it be set). */
function raw(
  path: string,
  options: {
    method?: string;
    host?: string;
    headers?: Record<string, string>;
    body?: string;
    origin?: string;
  } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const target = new URL(options.origin ?? world.console.origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? target.host, ...options.headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('operator console in Chromium', { timeout: 170_000 }, () => {
  test('routes page: the route lag goes to 0, the filtered records counted', async () => {
    const messages: Message[] = [];
    for (let seq = 0; seq < 120; seq++)
      messages.push({ key: `customer-${seq % 12}`, value: JSON.stringify({ seq }) });
    for (let seq = 0; seq < 4; seq++) messages.push({ key: POISON_KEY, value: JSON.stringify({ seq }) });
    for (let seq = 0; seq < FILTERED; seq++)
      messages.push({ key: `${FILTERED_PREFIX}${seq}`, value: JSON.stringify({ seq }) });
    messages.push({
      key: HOSTILE_KEY,
      value: `{"note":"${HOSTILE}"}`, // raw: JSON.stringify would write the escapes as text
      headers: { 'x-note': HOSTILE },
    });
    await world.produce(messages);
    await open(page, url('/'));
    const row = page.locator('tr', { hasText: world.routeName });
    const lags: number[] = [];
    await until('the route lag to reach 0', async () => {
      await page.reload();
      const text = await row.locator('[data-field=lag]').textContent();
      lags.push(Number(text));
      return lags.at(-1) === 0 && lags.length > 1 ? true : undefined;
    });
    assert.ok(
      lags.some((lag) => lag > 0),
      `the lag was never above 0: ${lags.join(', ')}`,
    );
    assert.equal(await row.locator('td').nth(5).textContent(), 'closed');
    // The route's filter left FILTERED records out: counted from the poller's metric, never sent.
    await until('the filtered records counted', async () => {
      await page.reload();
      const text = await row.locator('[data-field=filtered]').textContent();
      return text === String(FILTERED) ? true : undefined;
    });
    assert.equal(
      world.endpoint.requestsOf(`${FILTERED_PREFIX}0`).length,
      0,
      'a filtered record is never sent',
    );
    // A route that cannot be read says why, in its own row.
    const broken = page.locator('tr', { hasText: UNREADABLE_ROUTE });
    assert.match((await broken.locator('td').nth(1).textContent()) ?? '', /cannot read: .*does not exist/);
    await shot('routes');
  });

  test('quarantine page: the poisoned key waits behind its dead letter, 3 records parked', async () => {
    await open(page, url('/quarantine'));
    const row = page.locator('tr', { hasText: POISON_KEY });
    await until('the poisoned key with 3 parked records', async () => {
      await page.reload();
      return (await row.count()) === 1 && (await row.locator('td').nth(4).textContent()) === '3'
        ? true
        : undefined;
    });
    assert.match((await row.locator('td').nth(2).textContent()) ?? '', new RegExp(`^${world.routeName}/`));
    await shot('quarantine');
  });

  test('hostile key, value and answer are shown as text; no script runs', async () => {
    await open(page, url('/dead-letters', { route: world.routeName }));
    const row = page.locator('tr', { hasText: HOSTILE_KEY });
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator('td').nth(1).textContent(), HOSTILE_KEY);
    assert.equal(await page.locator('main img').count(), 0);
    await shot('dead-letters');
    // Every route: the unreadable one says why, the others are listed.
    await open(page, url('/dead-letters'));
    assert.match(
      (await page.locator('section', { hasText: UNREADABLE_ROUTE }).textContent()) ?? '',
      /Cannot be read: .*does not exist/,
    );
    assert.equal(await page.locator('tr', { hasText: HOSTILE_KEY }).count(), 1);
    await row.locator('a').first().click();
    await page.waitForURL(/\/dead-letter\?/);
    const main = (await page.locator('main').textContent()) ?? '';
    // The escape sequences read as text: ESC and BEL shown as \x1b and \x07.
    const visible = '<img src=x onerror=alert(1)>\\x1b[2J\\x1b]0;owned\\x07';
    assert.ok(main.includes(`"note":"${visible}`), 'the payload preview shows the value as text');
    assert.ok(main.includes(`x-note=${visible}`), 'the headers are shown as text');
    assert.ok(
      main.includes('<script>alert(2)</script>\\x1b[31mred'),
      "the endpoint's answer is shown as text",
    );
    assert.equal(await page.locator('main img, main script').count(), 0);
    assert.equal(await page.locator('script').count(), 1, 'only the console script');
    await shot('dead-letter');
    assert.deepEqual(dialogs, [], 'a dialog opened: a script from data ran');
    assert.deepEqual(violations, [], 'the Content-Security-Policy blocked something');
  });

  test('quarantine replay after the endpoint is fixed: dry run, confirm by keyboard, delivered in order', async () => {
    world.broken = false;
    await open(page, url('/quarantine'));
    await page.locator('tr', { hasText: POISON_KEY }).getByRole('link', { name: 'Replay…' }).click();
    await page.waitForURL(/\/quarantine\/replay\?/);
    assert.match((await page.locator('main').textContent()) ?? '', /Dry run: nothing has been sent/);
    await shot('replay-preview');
    assert.equal(
      world.acceptedOf(POISON_KEY).length,
      0,
      'nothing of the key was delivered before the confirm',
    );
    // Keyboard only: the confirm box, then the button.
    await page.locator('input[name=confirm]').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/job\?/);
    await page.locator('[data-state=done], [data-state=failed]').waitFor({ timeout: 90_000 });
    assert.equal(await page.locator('[role=status]').getAttribute('data-state'), 'done');
    const outcomes = await page.locator('tbody tr td:nth-child(4)').allTextContents();
    assert.deepEqual(outcomes, ['delivered', 'delivered', 'delivered', 'delivered']);
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /Quarantine of key customer-poison lifted/,
    );
    await shot('replay-progress');
    // The endpoint's own log: the key's four records, once each, in produce order.
    assert.deepEqual(world.acceptedOf(POISON_KEY).map(seqOf), [0, 1, 2, 3]);
    await open(page, url('/quarantine'));
    assert.equal(await page.locator('tr', { hasText: POISON_KEY }).count(), 0);
  });

  test('dead letter replay: preview lists exactly the record, nothing is sent unconfirmed', async () => {
    await open(page, url('/dead-letters', { route: world.routeName, key: HOSTILE_KEY }));
    await page.locator('tr', { hasText: HOSTILE_KEY }).locator('a').first().click();
    await page.getByRole('link', { name: 'Replay this record…' }).click();
    await page.waitForURL(/\/dead-letters\/replay\?/);
    const listed = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    assert.deepEqual(listed, [HOSTILE_KEY]);
    const before = world.endpoint.requestsOf(HOSTILE_KEY).length;
    // The button without the confirm box ticked sends nothing.
    await page.getByRole('button', { name: 'Replay 1 record(s)' }).click();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.match(page.url(), /\/dead-letters\/replay\?/);
    assert.equal(world.endpoint.requestsOf(HOSTILE_KEY).length, before);
    await page.locator('input[name=confirm]').check();
    await page.getByRole('button', { name: 'Replay 1 record(s)' }).click();
    await page.waitForURL(/\/job\?/);
    await page.locator('[data-state=done], [data-state=failed]').waitFor({ timeout: 90_000 });
    // The endpoint still refuses it: dead-lettered again, and its key stays quarantined.
    assert.deepEqual(await page.locator('tbody tr td:nth-child(4)').allTextContents(), ['dead-lettered']);
    assert.equal(await page.locator('tbody tr td:nth-child(3)').textContent(), HOSTILE_KEY);
    assert.match((await page.locator('main').textContent()) ?? '', /stays quarantined/);
    assert.equal(world.endpoint.requestsOf(HOSTILE_KEY).length, before + 1);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(violations, []);
  });

  test('route and trace pages', async () => {
    await open(page, url('/route', { name: world.routeName }));
    const partitions = page.locator('table').first().locator('tbody tr');
    assert.equal(await partitions.count(), 2);
    for (const row of await partitions.all()) {
      const cells = await row.locator('td').allTextContents();
      assert.equal(cells[4], '0', `partition ${cells[1]}: lag`);
      assert.equal(cells[2], cells[3], `partition ${cells[1]}: committed = log end`);
    }
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /Finished: the advance of the committed offsets/,
    );
    assert.equal(await page.locator('[data-field=filtered]').textContent(), String(FILTERED));
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /left out in the last hour; committed, never sent/,
    );
    await shot('route');
    const id = world.acceptedOf('customer-1')[0]?.recordId ?? '';
    await open(page, url('/trace'));
    await page.locator('input[name=id]').fill(id);
    await page.locator('input[name=id]').press('Enter');
    await page.waitForURL(/\/trace\?.*id=/);
    const main = (await page.locator('main').textContent()) ?? '';
    assert.ok(main.includes(id));
    assert.match(main, /state(delivered|delivered-and-committed)/);
    await shot('trace');
  });

  test('phone width: no page wider than the window', async () => {
    const phone = await world.browser.newPage();
    phone.setDefaultTimeout(60_000);
    await phone.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/', '/quarantine', '/dead-letters']) {
      await open(phone, url(path));
      const [scroll, inner] = (await phone.evaluate(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      )) as number[];
      assert.ok((scroll ?? 0) <= (inner ?? 0), `${path} is ${scroll} px wide in a ${inner} px window`);
    }
    await open(phone, url('/'));
    await shot('routes-phone', phone);
    await phone.close();
  });

  test('one-time token, session cookie, Host and read-only mode', async () => {
    assert.equal((await raw('/')).status, 401, 'no session');
    assert.equal((await raw('/?token=wrong')).status, 401, 'a wrong token');
    assert.equal((await raw('/static/console.js')).status, 401, 'assets need the session too');
    // The browser exchanged the printed token (before): it works once, and no URL holds it.
    assert.equal((await raw(`/?token=${world.console.token}`)).status, 401, 'a used token');
    assert.doesNotMatch(page.url(), /token/);
    const [session] = await page.context().cookies(world.console.origin);
    assert.ok(session !== undefined);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(
      session.expires > Date.now() / 1000 && session.expires < Date.now() / 1000 + 13 * 3600,
      'it expires',
    );
    const cookie = `${session.name}=${session.value}`;
    const ok = await raw('/', { headers: { cookie } });
    assert.equal(ok.status, 200);
    const csp = String(ok.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const port = new URL(world.console.origin).port;
    assert.equal((await raw('/', { host: `rebound.example:${port}`, headers: { cookie } })).status, 403);
    assert.equal((await raw('/', { host: `localhost:${port}`, headers: { cookie } })).status, 403);
    // A state change needs the session and this console's Origin: a form of another site has neither.
    const body = JSON.stringify({ route: world.routeName, group: 'x' });
    const json = { 'content-type': 'application/json' };
    const post = (headers: Record<string, string>, origin = world.console.origin) =>
      raw('/api/replay/quarantine', { method: 'POST', headers: { ...json, ...headers }, body, origin });
    assert.equal((await post({ origin: world.console.origin })).status, 401, 'no session');
    assert.equal((await post({ cookie, origin: 'https://evil.example' })).status, 403, 'another origin');
    // Read-only console: its token exchanged by hand shows the cookie's attributes; no replay.
    const exchanged = await raw(`/dead-letters?token=${world.readOnly.token}`, {
      origin: world.readOnly.origin,
    });
    assert.equal(exchanged.status, 303);
    assert.equal(exchanged.headers.location, '/dead-letters');
    const setCookie = String([exchanged.headers['set-cookie']].flat()[0]);
    assert.match(setCookie, /; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/);
    const readOnlyCookie = setCookie.split(';')[0] ?? '';
    const get = await fetch(`${world.readOnly.origin}/dead-letters`, { headers: { cookie: readOnlyCookie } });
    assert.equal(get.status, 200);
    assert.doesNotMatch(await get.text(), /Replay/);
    const refused = await post(
      { cookie: readOnlyCookie, origin: world.readOnly.origin },
      world.readOnly.origin,
    );
    assert.equal(refused.status, 403);
  });
});

describe('kafka-bridge console (the CLI command)', () => {
  test('prints its URL with a token, serves it, stops on Ctrl-C', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [BIN, 'console', '--port', '19121'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, AWS_ENDPOINT_URL: awsEndpoint(), AWS_ENDPOINT_URL_SQS: sqsEndpoint() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const consoleUrl = await until(
      'the console URL',
      async () => /console: (http:\/\/127\.0\.0\.1:19121\/\?token=[\w-]{32})\n/.exec(printed)?.[1],
    );
    assert.match(printed, /read-only/);
    const opened = await fetch(consoleUrl, { redirect: 'manual' });
    assert.equal(opened.status, 303);
    const cookie = String(opened.headers.get('set-cookie')).split(';')[0] ?? '';
    const answer = await fetch('http://127.0.0.1:19121/', { headers: { cookie } });
    assert.equal(answer.status, 200);
    assert.match(await answer.text(), /<h1>Routes<\/h1>/);
    assert.equal((await fetch('http://127.0.0.1:19121/')).status, 401);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
