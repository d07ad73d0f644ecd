// The package as a platform team installs it: `npm pack` of this repository, installed into a
// CDK app in a temporary directory outside it (with aws-cdk-lib, constructs and cdk-nag, and
// no esbuild). The app keeps each team's route in a file of its own (routes/), synthesizes with
// cdk-nag, typechecks against the shipped .d.ts, and runs the CLI from node_modules.
// One pack and one install serve every test (docs/testing.md, "The package").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUNDLES } from '../../cdk/lib/bundles.ts';
import { libAssets } from '../../scripts/copy-assets.ts';
import { templateFiles, templateProblems } from '../support/cfn-limits.ts';
import {
  type Consumer,
  NODE_24_PATH,
  packAndInstall,
  REPO_ROOT,
  runApp,
  tarballFiles,
  templatesIn,
  writeApp,
} from '../support/consumer-app.ts';

const CFN_LINT = join(REPO_ROOT, '.run', 'venv', 'bin', 'cfn-lint');

let consumer: Consumer;
let files: string[];

const ROUTE_FILES = {
  'routes/orders.ts': `import { defineRoute } from 'kafka-endpoint-bridge/config';

// Team orders owns this file.
export default defineRoute({
  name: 'orders',
  topics: ['orders'],
  endpoint: { type: 'http', url: 'https://orders.example.com/kafka', headersSecret: 'orders/api-key' },
  alerts: { discordWebhookSecret: 'orders/discord-webhook' },
});
`,
  'routes/payments.ts': `import { defineRoute } from 'kafka-endpoint-bridge/config';

// Team payments owns this file.
export default defineRoute({
  name: 'payments',
  topics: ['payments', 'refunds'],
  endpoint: { type: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:payments-handler' },
  onPoison: 'block',
});
`,
  'routes/broken.ts': `import { defineRoute } from 'kafka-endpoint-bridge/config';

export default defineRoute({
  name: 'broken',
  topics: ['broken'],
  endpoint: { type: 'http', url: 'ftp://broken.example.com/kafka' },
});
`,
  'bridge.ts': `import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defineConfig, KafkaBridge, type RouteInput } from 'kafka-endpoint-bridge';

/** The platform's app: one bridge, the routes the teams' files declare. */
export function synth(outdir: string, routes: RouteInput[]): void {
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const stack = new Stack(app, 'Platform');
  new KafkaBridge(stack, 'Bridge', {
    config: defineConfig({
      kafka: { brokers: ['b-1.kafka.example.com:9096'], ssl: true, sasl: { mechanism: 'scram-sha-512', secret: 'kafka/bridge-scram' } },
      routes,
    }),
    // What each team may name: its own secrets and functions (docs/deploy.md, "Routes per team").
    limits: {
      secretPrefixes: Object.fromEntries(routes.map((r) => [r.name, [\`\${r.name.replace(/-orders$/, '')}/\`]])),
      lambdaTargets: Object.fromEntries(
        routes.map((r) => [r.name, [\`arn:aws:lambda:eu-west-1:123456789012:function:\${r.name}*\`]]),
      ),
    },
  });
  app.synth();
}
`,
  'two-routes.ts': `import { synth } from './bridge.ts';
import orders from './routes/orders.ts';
import payments from './routes/payments.ts';

synth('cdk.out.two', [orders, payments]);
`,
  'many-routes.ts': `import { defineRoute } from 'kafka-endpoint-bridge/config';
import { synth } from './bridge.ts';

// A platform with 200 teams: one route each, every other one to a Lambda endpoint.
const routes = Array.from({ length: 200 }, (_, i) =>
  defineRoute({
    name: \`team-\${i}-orders\`,
    topics: [\`team-\${i}.orders.v1\`],
    endpoint:
      i % 2 === 0
        ? { type: 'http', url: \`https://team-\${i}.example.com/kafka/orders\`, headersSecret: \`team-\${i}/api-key\` }
        : { type: 'lambda', functionArn: \`arn:aws:lambda:eu-west-1:123456789012:function:team-\${i}-orders\` },
    alerts: { discordWebhookSecret: \`team-\${i}/discord-webhook\`, oncall: \`@team-\${i}\` },
  }),
);
synth('cdk.out.many', routes);
`,
  'broken-route.ts': `import { synth } from './bridge.ts';
import broken from './routes/broken.ts';
import orders from './routes/orders.ts';

synth('cdk.out.broken', [orders, broken]);
`,
  // The routes module the app and the operator CLI both read (docs/deploy.md).
  'bridge.config.ts': `import { defineConfig } from 'kafka-endpoint-bridge/config';
import orders from './routes/orders.ts';
import payments from './routes/payments.ts';

export default defineConfig({ kafka: { brokers: ['b-1.kafka.internal.test:9096'], ssl: true }, routes: [orders, payments] });
`,
  'tsconfig.json': `${JSON.stringify({
    compilerOptions: {
      target: 'es2024',
      module: 'nodenext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      types: ['node'],
    },
    include: ['*.ts', 'routes/*.ts'],
  })}\n`,
};

before(() => {
  consumer = packAndInstall();
  files = tarballFiles(consumer.tarball);
  writeApp(consumer, ROUTE_FILES);
});

after(() => {
  if (consumer !== undefined) rmSync(consumer.root, { recursive: true, force: true });
});

const installed = () => join(consumer.app, 'node_modules', 'kafka-endpoint-bridge');

describe('npm pack', () => {
  test('holds what a consumer needs: every export, the bin, the bundles and the poller image context', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
      bin: Record<string, string>;
    };
    const targets = Object.values(manifest.exports).flatMap((target) =>
      typeof target === 'string' ? [target] : Object.values(target),
    );
    const needed = [
      ...targets.map((target) => target.replace(/^\.\//, '')),
      ...Object.values(manifest.bin),
      'dist/bin/kafka-bridge.js',
      ...Object.keys(BUNDLES).map((name) => `dist/assets/${name}/index.mjs`),
      'dist/assets/poller/Dockerfile',
      'LICENSE',
      'CHANGELOG.md',
      // Files the compiled modules read next to themselves (the console's CSS and JavaScript).
      ...libAssets().map((file) => `dist/${file}`),
    ];
    for (const file of needed) assert.ok(files.includes(file), `${file} is in the tarball`);
  });

  test('holds nothing private: no tests, sources, run state, synth output, scripts or benchmarks', () => {
    const privatePaths = /^(test|\.run|cdk\.out|node_modules|bench|scripts|\.ci|\.git)\//;
    const leaked = files.filter(
      (file) =>
        privatePaths.test(file) ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')) ||
        /\.(tgz|log|tsbuildinfo)$/.test(file) ||
        /(^|\/)\.env/.test(file),
    );
    assert.deepEqual(leaked, []);
  });

  test('aws-cdk-lib and constructs are peer dependencies, not bundled into the consumer twice', () => {
    const manifest = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
      dependencies?: Record<string, string>;
    };
    for (const name of ['aws-cdk-lib', 'constructs']) {
      assert.ok(manifest.peerDependencies?.[name], `${name} is a peer dependency`);
      assert.equal(manifest.dependencies?.[name], undefined, `${name} is not a dependency`);
    }
    assert.ok(!existsSync(join(installed(), 'node_modules', 'aws-cdk-lib')), 'one aws-cdk-lib: the app’s');
  });
});

describe('a platform app with the installed package', () => {
  test('synthesizes two team route files with cdk-nag, without esbuild, from the shipped bundles', () => {
    assert.ok(!existsSync(join(consumer.app, 'node_modules', 'esbuild')), 'the consumer has no esbuild');
    const run = runApp(consumer, 'two-routes.ts');
    assert.equal(run.status, 0, `synth failed:\n${run.stdout}${run.stderr}`);
    const outdir = join(consumer.app, 'cdk.out.two');
    const templates = templatesIn(outdir);
    const functions = [...templates.values()].flatMap((template) =>
      Object.values(
        template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
      )
        .filter(
          (resource) =>
            resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === 'index.handler',
        )
        .map((resource) => resource.Properties),
    );
    assert.equal(functions.length, 2 * 2 + 2, 'deliverer and DLQ consumer per route, commit, notify');
    // Each function's code is a packaged bundle, byte for byte.
    const shipped = new Set(
      Object.keys(BUNDLES).map((name) =>
        readFileSync(join(installed(), 'dist', 'assets', name, 'index.mjs'), 'utf8'),
      ),
    );
    for (const fn of functions) {
      const key = (fn.Code as { S3Key: string }).S3Key;
      const staged = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
      assert.ok(shipped.has(readFileSync(staged, 'utf8')), `${key} is a shipped bundle`);
    }
  });

  test('synthesizes 200 routes with cdk-nag, every template within the AWS limits, cfn-lint clean', () => {
    const run = runApp(consumer, 'many-routes.ts');
    assert.equal(run.status, 0, `synth failed:\n${run.stdout.slice(-2000)}${run.stderr.slice(-4000)}`);
    const outdir = join(consumer.app, 'cdk.out.many');
    const files = templateFiles(outdir);
    const routeStacks = files.filter((file) =>
      /Routeteam\d+orders[0-9A-F]{8}\.nested\.template\.json$/.test(file),
    );
    assert.equal(routeStacks.length, 200, 'a nested stack per route');
    assert.deepEqual(files.flatMap(templateProblems), []);
    // cfn-lint: the parent, each dashboard page and two route stacks (the route stacks differ
    // only in names; linting all 200 would take minutes).
    const dashboards = files.filter((file) =>
      /RouteDashboard\d+[0-9A-F]{8}\.nested\.template\.json$/.test(file),
    );
    assert.equal(dashboards.length, 4, 'pages of 50 routes');
    const parent = join(outdir, 'Platform.template.json');
    const sample = [parent, ...dashboards, routeStacks[0] ?? '', routeStacks.at(-1) ?? ''];
    const lint = spawnSync(CFN_LINT, ['--ignore-checks', 'W3005', '--', ...sample], { encoding: 'utf8' });
    assert.equal(lint.status, 0, `cfn-lint:\n${lint.stdout}${lint.stderr}`);
  });

  test("a team's bad route fails the synth naming the route and the field", () => {
    const run = runApp(consumer, 'broken-route.ts');
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /routes\[broken\]\.endpoint\.url/);
    assert.ok(!existsSync(join(consumer.app, 'cdk.out.broken', 'manifest.json')), 'nothing synthesized');
  });

  test('typechecks against the shipped declarations (strict)', () => {
    const tsc = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
    const run = spawnSync(tsc, ['-p', 'tsconfig.json'], { cwd: consumer.app, encoding: 'utf8' });
    assert.equal(run.status, 0, `tsc:\n${run.stdout}${run.stderr}`);
  });

  test('npx kafka-bridge --help runs the compiled CLI from node_modules', () => {
    const run = spawnSync('npx', ['--no-install', 'kafka-bridge', '--help'], {
      cwd: consumer.app,
      encoding: 'utf8',
      env: { ...process.env, PATH: NODE_24_PATH },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^kafka-bridge <command> \[options\]/);
    assert.match(run.stdout, /dlq replay/);
  });

  test("the CLI reads the platform app's routes module", () => {
    // A route it does not have: answered from the config alone, naming the routes it read.
    const run = spawnSync(
      'npx',
      ['--no-install', 'kafka-bridge', 'trace', 'shipping/shipping/0/0', '--config', 'bridge.config.ts'],
      {
        cwd: consumer.app,
        encoding: 'utf8',
        env: { ...process.env, PATH: NODE_24_PATH, AWS_REGION: 'eu-west-1' },
      },
    );
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /unknown route "shipping": the config has orders, payments/);
  });
});
