// Builds every bundle (cdk/lib/bundles.ts) into <outdir>/<name>/index.mjs, by default
// dist/assets: what `npm pack` ships (the `prepack` script runs this after tsc), so an installed
// package synthesizes with no esbuild and no Docker. `--only <name>` builds one bundle.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUNDLES, type BundleName, buildBundle } from '../cdk/lib/bundles.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { outdir: { type: 'string', default: join(root, 'dist', 'assets') }, only: { type: 'string' } },
});
const names = Object.keys(BUNDLES) as BundleName[];
if (values.only !== undefined && !names.includes(values.only as BundleName)) {
  process.stderr.write(`build-bundles: no bundle ${values.only}; one of ${names.join(', ')}\n`);
  process.exit(2);
}
const outdir = resolve(values.outdir);
for (const name of values.only === undefined ? names : [values.only as BundleName]) {
  const dir = join(outdir, name);
  rmSync(dir, { recursive: true, force: true });
  buildBundle(name, root, dir);
  process.stdout.write(`built ${join(dir, 'index.mjs')}\n`);
}
