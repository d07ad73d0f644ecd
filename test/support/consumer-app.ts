import { execFileSync, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * A platform team's CDK app outside this repository, built the way a consumer builds one:
 * `npm pack` here, then `npm install` of the tarball with aws-cdk-lib, constructs and cdk-nag
 * (the versions this repository tests with, from the npm cache when it has them). Nothing of
 * the repository is on the consumer's module path: it imports the package by name only.
 */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Node 24 running the tests: first on PATH, so `npx` runs the bin on it, as a consumer's would. */
export const NODE_24_PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;

function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'));
  return (manifest as { version: string }).version;
}

export interface Consumer {
  /** The temporary directory holding the tarball and the app (delete it when done). */
  readonly root: string;
  readonly tarball: string;
  readonly app: string;
}

/** Packs this repository (the `prepack` build runs) and installs the tarball into a new app. */
export function packAndInstall(): Consumer {
  const root = mkdtempSync(join(tmpdir(), 'kafka-bridge-consumer-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', root], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: NODE_24_PATH },
  });
  const tarball = join(root, packed.trim().split('\n').at(-1) ?? '');
  const app = join(root, 'app');
  mkdirSync(join(app, 'routes'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'platform-app', private: true, type: 'module' })}\n`,
  );
  const dependencies = ['aws-cdk-lib', 'constructs', 'cdk-nag'].map(
    (name) => `${name}@${installedVersion(name)}`,
  );
  execFileSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...dependencies],
    { cwd: app, encoding: 'utf8', env: { ...process.env, PATH: NODE_24_PATH } },
  );
  return { root, tarball, app };
}

/** The files of the tarball, without npm's leading `package/`. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
}

/** Writes files (path relative to the app -> content) into the consumer app. */
export function writeApp(consumer: Consumer, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(consumer.app, path)), { recursive: true });
    writeFileSync(join(consumer.app, path), content);
  }
}

/** Runs one of the app's entry files with Node 24 (what `cdk synth` runs as `app`). */
export function runApp(
  consumer: Consumer,
  file: string,
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [file], {
    cwd: consumer.app,
    encoding: 'utf8',
    env: { ...process.env, PATH: NODE_24_PATH, ...env },
  });
}

/** The CloudFormation templates (file name -> JSON) a synth wrote to `outdir`. */
export function templatesIn(outdir: string): Map<string, Record<string, unknown>> {
  const templates = new Map<string, Record<string, unknown>>();
  for (const name of readdirSync(outdir)) {
    if (!name.endsWith('.template.json')) continue;
    templates.set(name, JSON.parse(readFileSync(join(outdir, name), 'utf8')));
  }
  return templates;
}
