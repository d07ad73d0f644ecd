import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/*
 * One Node version for what ships, read from where each part states it: the package's engines
 * (what the construct and the CLI need), the pinned `node` devDependency (what runs every script
 * and test here), the poller image and the README's promise. The Lambda runtime the stack uses
 * is compared by name (cdk/lib/bridge-function.ts sets it).
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');
const manifest = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

test('engines, the pinned Node, the poller image, the Lambda runtime and the README name one Node', () => {
  const floor = /^>=(\d+)$/.exec(manifest.engines.node)?.[1];
  assert.ok(
    floor,
    `engines.node is a floor with no upper bound (no EBADENGINE on newer Node): ${manifest.engines.node}`,
  );
  assert.equal(/^\^?(\d+)\./.exec(manifest.devDependencies.node ?? '')?.[1], floor, 'the pinned node');
  assert.equal(process.versions.node.split('.')[0], floor, 'the tests run on the pinned Node');
  assert.match(read('Dockerfile'), new RegExp(`^FROM node:${floor}-`, 'm'));
  assert.match(read('cdk/lib/bridge-function.ts'), new RegExp(`Runtime\\.NODEJS_${floor}_X`));
  assert.equal(lambda.Runtime[`NODEJS_${floor}_X` as 'NODEJS_24_X'].name, `nodejs${floor}.x`);
  const readme = read('README.md');
  assert.match(readme, new RegExp(`Node ${floor} comes with the\\s+project`));
  assert.match(
    readme,
    new RegExp(`the construct and the CLI,\\s+needs Node ${floor} or later \\(\`engines\`\\)`),
  );
});
