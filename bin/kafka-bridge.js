#!/usr/bin/env node
// npm's bin shim for the operator CLI (docs/cli.md).
// - Installed package: runs the compiled CLI (dist/bin/kafka-bridge.js) on the Node running it,
//   which must be 24 (engines): Node refuses to strip types under node_modules, so the package
//   ships JavaScript only.
// - Checkout of this repository (bin/kafka-bridge.ts is here): runs the TypeScript sources; a
//   `kafka-bridge` started by an older node (a machine's own) re-runs itself with the project's
//   pinned Node 24 (the `node` devDependency) instead of failing on the .ts import.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'kafka-bridge.ts');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  await import(existsSync(source) ? './kafka-bridge.ts' : '../dist/bin/kafka-bridge.js');
} else {
  const pinned = join(here, '..', 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  if (!existsSync(source) || !existsSync(pinned)) {
    process.stderr.write(
      `kafka-bridge: needs Node 24 (this is ${process.version}): install Node 24, or run \`npm ci\` in a checkout of the project\n`,
    );
    process.exit(1);
  }
  const child = spawnSync(pinned, [source, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
