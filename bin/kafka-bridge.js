#!/usr/bin/env node
// npm's bin shim: the CLI is TypeScript run by Node 24's type stripping. A `kafka-bridge` started
// by an older node (a machine's own) re-runs itself with the project's pinned Node 24
// (the `node` devDependency) instead of failing on the .ts import.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, 'kafka-bridge.ts');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  await import('./kafka-bridge.ts');
} else {
  const pinned = join(here, '..', 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(
      `kafka-bridge: needs Node 24 (this is ${process.version}): run \`npm ci\` in the project, or use npx kafka-bridge\n`,
    );
    process.exit(1);
  }
  const child = spawnSync(pinned, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
