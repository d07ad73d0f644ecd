import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The code every deployed component runs: one esbuild bundle per entry point (functions/*.ts),
 * ESM for Node 24. The same build makes the bundles `npm pack` ships (scripts/build-bundles.ts,
 * into dist/assets/<name>/) and, in a checkout of this repository, the bundles `cdk synth`
 * stages; the poller image (Dockerfile) copies the poller bundle, it does not build it.
 */

/** Each bundle and its entry point, relative to the repository root. */
export const BUNDLES = {
  deliver: 'functions/deliver.ts',
  'dead-letter': 'functions/dlq.ts',
  commit: 'functions/commit.ts',
  notify: 'functions/notify.ts',
  poller: 'functions/poller.ts',
} as const;

export type BundleName = keyof typeof BUNDLES;

/** Every bundle is one file of this name (plus its source map) in its own directory. */
export const BUNDLE_FILE = 'index.mjs';
/** The poller image's Dockerfile, copied next to the poller bundle: the image's whole build context. */
export const POLLER_DOCKERFILE = 'Dockerfile';

/** An ESM bundle has no `require`; CJS dependencies bundled into it (kafkajs) call it for Node built-ins. */
export const BUNDLE_BANNER =
  "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);";

const here = dirname(fileURLToPath(import.meta.url));
/** Two levels up from this module: the repository root, or `dist/` in the installed package. */
const PACKAGE_ROOT = join(here, '..', '..');
/** Where the packed package holds its prebuilt bundles (next to the compiled cdk/ folder). */
const PACKAGED_ASSETS = join(PACKAGE_ROOT, 'assets');

/** The esbuild options of a bundle (shared by the pack-time build and the synth-time one). */
export function bundleOptions(name: BundleName, sourceRoot: string, outDir: string): Record<string, unknown> {
  return {
    entryPoints: [join(sourceRoot, BUNDLES[name])],
    outfile: join(outDir, BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    // Prefer the ESM builds of dependencies; CJS-only ones (kafkajs) still load through the banner.
    mainFields: ['module', 'main'],
    banner: { js: BUNDLE_BANNER },
    minify: true,
    // Stack traces point at the TypeScript sources (NODE_OPTIONS=--enable-source-maps).
    sourcemap: true,
    sourcesContent: false,
    // The AWS SDK is bundled too: the code runs with the versions it was tested with.
    external: [],
    logLevel: 'warning',
  };
}

interface Esbuild {
  buildSync(options: Record<string, unknown>): unknown;
}

/**
 * Builds one bundle into `outDir` with the esbuild of this checkout (a devDependency: only a
 * repository checkout and `npm pack` build bundles; an installed package ships them). The
 * poller's directory also gets the Dockerfile, so it is a complete image build context.
 */
export function buildBundle(name: BundleName, sourceRoot: string, outDir: string): void {
  const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
  mkdirSync(outDir, { recursive: true });
  esbuild.buildSync(bundleOptions(name, sourceRoot, outDir));
  if (name === 'poller') copyFileSync(join(sourceRoot, POLLER_DOCKERFILE), join(outDir, POLLER_DOCKERFILE));
}

const built = new Map<BundleName, string>();

/**
 * The directory holding a bundle: the one the package shipped, or (in a checkout of this
 * repository, which has the sources and no packaged bundles) one built once per process.
 */
export function bundleDir(name: BundleName): string {
  const packaged = join(PACKAGED_ASSETS, name);
  if (existsSync(join(packaged, BUNDLE_FILE))) return packaged;
  const cached = built.get(name);
  if (cached !== undefined) return cached;
  if (!existsSync(join(PACKAGE_ROOT, BUNDLES[name]))) {
    throw new Error(
      `kafka-endpoint-bridge: the ${name} bundle is missing from ${packaged}; reinstall the package (it ships prebuilt bundles)`,
    );
  }
  const dir = join(mkdtempSync(join(tmpdir(), 'kafka-bridge-bundle-')), name);
  buildBundle(name, PACKAGE_ROOT, dir);
  built.set(name, dir);
  return dir;
}
