import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { type BridgeConfig, isLoopbackHost, type Route } from '../config/index.ts';

/*
 * What `npm start` tells a newcomer about the run it started: the config file the CLI can read
 * (the demo writes its own to the run folder, since its route is named after the run), the exact
 * `npx kafka-bridge` commands for the route, and a warning when a route's local endpoint has
 * nothing listening (every record would be retried, then dead-lettered).
 */

/** The run folder's place for the demo's config files (`.run/local/<route>.config.mjs`). */
export const RUN_CONFIG_DIR = join('.run', 'local');

/** Writes `input` (a plain config object) as a module the CLI's --config loads; returns its path relative to `cwd`. */
export async function writeRunConfig(
  input: unknown,
  route: string,
  cwd: string = process.cwd(),
): Promise<string> {
  const dir = join(cwd, RUN_CONFIG_DIR);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${route}.config.mjs`);
  await writeFile(
    file,
    `// Written by npm start for the run of route ${route}: npx kafka-bridge ... --config ${relative(cwd, file)}\nexport default ${JSON.stringify(input, null, 2)};\n`,
  );
  return relative(cwd, file);
}

/** The CLI commands for one route of a local run, ready to paste (in the repository's folder). */
export function cliCommands(configFile: string, route: Route): string[] {
  const config = `--config ${configFile}`;
  const on = `${config} --route ${route.name}`;
  const topic = route.topics[0] ?? '<topic>';
  return [
    `npx kafka-bridge produce ${on} --file records.jsonl   # one a line: {"key": "k1", "value": {...}} or k1<TAB>value`,
    `npx kafka-bridge status ${on}`,
    `npx kafka-bridge dlq list ${on}`,
    `npx kafka-bridge trace ${route.name}/${topic}/0/0 ${config}`,
    `npx kafka-bridge dlq replay ${on} --dry-run`,
    `npx kafka-bridge console ${config}`,
  ];
}

/** The text block `npm start` prints before the progress. */
export function cliCommandsText(configFile: string, routes: readonly Route[]): string {
  const lines = routes.flatMap((route) => cliCommands(configFile, route).map((c) => `  ${c}`));
  return `the CLI on this run (from another terminal, in this folder):\n${lines.join('\n')}\n`;
}

/** Whether something accepts TCP connections at host:port within `timeoutMs`. */
function listening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Warnings for routes whose endpoint is on this machine with nothing listening: the sample
 * endpoint's port without --sample-endpoint, or a port an earlier demo run used.
 */
export async function idleEndpointWarnings(config: Pick<BridgeConfig, 'routes'>): Promise<string[]> {
  const warnings: string[] = [];
  for (const route of config.routes) {
    if (route.endpoint.type !== 'http') continue;
    const url = URL.parse(route.endpoint.url);
    if (url === null || !isLoopbackHost(url.hostname)) continue;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (await listening(url.hostname.replace(/^\[|\]$/g, ''), port)) continue;
    warnings.push(
      `warning: route ${route.name} delivers to ${url.href} and nothing listens on port ${port}: ` +
        `pass --sample-endpoint ${port} to serve the sample endpoint there (in --config mode it accepts any record), ` +
        'or start your endpoint; until then every record is retried, then dead-lettered',
    );
  }
  return warnings;
}
