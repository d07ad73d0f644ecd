// Copies the files under lib/ that tsc does not emit (the console's CSS and JavaScript, read at
// run time next to the compiled module) into dist/lib, so the packed CLI finds them. Part of
// `npm run build` (the `prepack` script); test/e2e/package.test.ts checks the tarball has each.
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every file under lib/ that is not TypeScript, relative to the repository root. */
export function libAssets(dir = join(root, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return libAssets(path);
    return entry.name.endsWith('.ts') ? [] : [relative(root, path)];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of libAssets()) cpSync(join(root, file), join(root, 'dist', file));
}
