import type { CliContext } from '../cli/context.ts';
import { CliError } from '../cli/errors.ts';
import { BridgeError } from '../errors.ts';
import { type Html, html } from './html.ts';
import type { Jobs } from './jobs.ts';
import {
  deadLetterPage,
  deadLettersPage,
  replayDeadLettersPost,
  replayPreviewPage,
} from './pages/dead-letters.ts';
import { jobPage } from './pages/job.ts';
import { quarantinePage, quarantinePreviewPage, replayQuarantinePost } from './pages/quarantine.ts';
import { routePage, routesPage } from './pages/routes.ts';
import { tracePage } from './pages/trace.ts';
import type { Readings } from './readings.ts';

export type Href = (path: string, params?: Readonly<Record<string, string | undefined>>) => string;

/** What a page handler gets: the CLI's context, the request's URL, links within the console. */
export interface PageContext {
  readonly ctx: CliContext;
  readonly url: URL;
  readonly href: Href;
  readonly allowReplay: boolean;
  readonly jobs: Jobs;
  readonly readings: Readings;
}

export interface Page {
  readonly title: string;
  readonly body: Html;
  readonly status?: number;
  /** Reload the page after this many seconds (a meta refresh: no script needed). */
  readonly refresh?: number;
}

export interface PostResult {
  readonly status: number;
  readonly value: unknown;
}

type GetHandler = (page: PageContext) => Promise<Page>;
type PostHandler = (page: PageContext, body: unknown) => Promise<PostResult>;

const GET: Record<string, GetHandler> = {
  '/': routesPage,
  '/route': routePage,
  '/dead-letters': deadLettersPage,
  '/dead-letter': deadLetterPage,
  '/dead-letters/replay': replayPreviewPage,
  '/quarantine': quarantinePage,
  '/quarantine/replay': quarantinePreviewPage,
  '/trace': tracePage,
  '/job': jobPage,
};

const POST: Record<string, PostHandler> = {
  '/api/replay/dead-letters': replayDeadLettersPost,
  '/api/replay/quarantine': replayQuarantinePost,
};

export const route = {
  async get(page: PageContext, path: string): Promise<Page> {
    const handler = GET[path];
    if (handler === undefined)
      return { title: 'Not found', status: 404, body: html`<p>No page ${path}.</p>` };
    try {
      return await handler(page);
    } catch (error) {
      return { title: 'Error', status: error instanceof CliError ? 400 : 500, body: problem(error) };
    }
  },

  async post(
    page: PageContext,
    path: string,
    body: unknown,
    contentType: string | undefined,
  ): Promise<PostResult> {
    const handler = POST[path];
    if (handler === undefined) return { status: 404, value: { error: `no action ${path}` } };
    if (!page.allowReplay) {
      return {
        status: 403,
        value: { error: 'this console is read-only: start it with --allow-replay to replay' },
      };
    }
    if (!(contentType ?? '').startsWith('application/json') || typeof body !== 'object' || body === null) {
      return { status: 400, value: { error: 'send a JSON object (content-type application/json)' } };
    }
    try {
      return await handler(page, body);
    } catch (error) {
      return { status: error instanceof CliError ? 400 : 500, value: { error: messageText(error) } };
    }
  },
};

function messageText(error: unknown): string {
  return error instanceof BridgeError ? error.message : `unexpected error (a bug): ${String(error)}`;
}

/** An error as the page shows it: the CLI's one-line message. */
export function problem(error: unknown): Html {
  return html`<p class="error" role="alert">${messageText(error)}</p>`;
}

const NAV: readonly (readonly [string, string])[] = [
  ['/', 'Routes'],
  ['/dead-letters', 'Dead letters'],
  ['/quarantine', 'Quarantine'],
  ['/trace', 'Trace'],
];

/** The page in the console's layout: navigation, the page's content, the mode it runs in. */
export function renderPage(context: PageContext, page: Page): string {
  const { href, url } = context;
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${page.refresh === undefined ? '' : html`<meta http-equiv="refresh" content="${page.refresh}">`}
<title>${page.title} - kafka-bridge console</title>
<link rel="stylesheet" href="${href('/static/console.css')}">
<script src="${href('/static/console.js')}" defer></script>
</head>
<body>
<header>
<nav aria-label="pages"><span class="brand">kafka-bridge</span>
${NAV.map(([path, label]) => html`<a href="${href(path)}"${path === url.pathname ? html` aria-current="page"` : ''}>${label}</a>`)}
</nav>
<p class="mode">${context.allowReplay ? 'replay allowed' : 'read-only'} · S3/DynamoDB ${context.ctx.endpoints.aws} · SQS ${context.ctx.endpoints.sqs}</p>
</header>
<main>
<h1>${page.title}</h1>
${page.body}
</main>
</body>
</html>`}`;
}
