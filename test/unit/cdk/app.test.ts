import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The CDK app as `npx cdk synth` runs it (cdk/bin/app.ts, the repository's bridge.config.ts),
 * with the brokers a deployer gives: from KAFKA_BROKERS or from `-c brokers=...` (the CDK CLI
 * hands context to the app in CDK_CONTEXT_JSON). A loopback broker fails the synth in the stack's
 * constructor, before anything is bundled, naming the field. The success path (a fresh clone
 * synthesizes with the placeholders) is `npx cdk synth` itself; props.test.ts builds the stack
 * from the sample config without bundling.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'cdk-app-test-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

function synth(env: NodeJS.ProcessEnv): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['cdk/bin/app.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, CDK_OUTDIR: outdir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('cdk/bin/app.ts', () => {
  test('KAFKA_BROKERS on loopback fails the synth naming kafka.brokers[0]', () => {
    const { status, stderr } = synth({ KAFKA_BROKERS: '127.0.0.1:9092' });
    assert.notEqual(status, 0);
    assert.match(
      stderr,
      /invalid bridge config \(1 problem\):\n {2}- kafka\.brokers\[0\]: must not be a loopback address/,
    );
  });

  test('-c brokers=... replaces the brokers, and a loopback one fails the synth the same way', () => {
    const { status, stderr } = synth({
      KAFKA_BROKERS: 'b-1.kafka.example.com:9096',
      CDK_CONTEXT_JSON: JSON.stringify({ brokers: 'b-2.kafka.example.com:9096,localhost:9092' }),
    });
    assert.notEqual(status, 0);
    assert.match(stderr, /\n {2}- kafka\.brokers\[1\]: must not be a loopback address/);
    assert.doesNotMatch(stderr, /kafka\.brokers\[0\]/);
  });

  test('an explicit account and region synthesize with no credentials: no lookup is left for the CLI', {
    timeout: 120_000,
  }, () => {
    // The CDK CLI sets CDK_DEFAULT_ACCOUNT/REGION from the profile; a context lookup left in the
    // manifest ("missing") is what makes it call AWS (and fail without credentials).
    const { status, stderr } = synth({
      CDK_DEFAULT_ACCOUNT: '123456789012',
      CDK_DEFAULT_REGION: 'eu-west-1',
    });
    assert.equal(status, 0, stderr);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      missing?: unknown[];
    };
    assert.deepEqual(manifest.missing ?? [], [], 'no context lookup (availability zones, VPC) is needed');
  });
});
