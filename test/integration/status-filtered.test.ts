// `kafka-bridge status` counts a route's filtered-out records (route.filter): local mode runs the
// route against the real broker and ElasticMQ and puts its poller's metrics into moto's CloudWatch
// (lib/local/poller-metrics.ts, the values functions/poller.ts writes as EMF when deployed); the
// CLI reads the filtered count from there (lib/cli/filtered.ts), in `--json` and in its text.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CliContext } from '../../lib/cli/context.ts';
import { filteredLastHour } from '../../lib/cli/filtered.ts';
import { main } from '../../lib/cli/main.ts';
import { status } from '../../lib/cli/status.ts';
import { type BridgeConfigInput, parseBridgeConfig } from '../../lib/config/index.ts';
import { destroyClients } from '../../lib/local/clients.ts';
import { assertReachable, awsEndpoint, cliEnv, sqsEndpoint, uniqueName } from '../support/aws.ts';
import { TestEndpoint } from '../support/endpoint.ts';
import { assertKafkaReachable, createTopic, deleteTopics, kafkaBrokers } from '../support/kafka.ts';
import { type RunningLocalBridge, startLocalBridge } from '../support/local-bridge.ts';
import { eventually, problemLog } from '../support/wait.ts';

const SKIPPED = 4;
const SENT = 6;

let endpoint: TestEndpoint;
let running: RunningLocalBridge | undefined;
let dir = '';
const topics: string[] = [];

before(async () => {
  await assertReachable(sqsEndpoint(), 'ElasticMQ (SQS)');
  await assertReachable(awsEndpoint(), 'moto (CloudWatch, S3, DynamoDB)');
  await assertKafkaReachable();
  endpoint = await TestEndpoint.start(() => ({ status: 200, body: 'ok' }));
  dir = await mkdtemp(join(tmpdir(), 'status-filtered-'));
});

after(async () => {
  await running?.bridge.stop();
  if (running !== undefined) destroyClients(running.clients);
  await endpoint?.stop();
  await deleteTopics(topics).catch(() => undefined);
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('status: records the route filter left out', () => {
  test('counted per route from the poller metric, in --json and in text; unknown for a route no poller published for', async () => {
    const name = uniqueName('status-filtered');
    const topic = uniqueName('status-filtered-topic');
    topics.push(topic);
    await createTopic(topic, 1);
    const input: BridgeConfigInput = {
      kafka: { brokers: kafkaBrokers() },
      routes: [
        {
          name,
          topics: [topic],
          endpoint: { type: 'http', url: endpoint.url, timeoutMs: 2_000 },
          filter: { key: [{ 'anything-but': { prefix: 'skip-' } }] },
        },
      ],
    };
    const config = parseBridgeConfig(input);
    const table = uniqueName('status-filtered-completions');
    const bucket = uniqueName('status-filtered-bucket');
    const { log } = problemLog();
    running = await startLocalBridge(config, { tableName: table, bucket, clientId: name, log });
    const ctx = new CliContext(config, {
      endpoint: awsEndpoint(),
      sqsEndpoint: sqsEndpoint(),
      table,
      bucket,
    });
    try {
      const producer = running.kafka.producer();
      await producer.connect();
      const keys = [
        ...Array.from({ length: SKIPPED }, (_, i) => `skip-${i}`),
        ...Array.from({ length: SENT }, (_, i) => `k-${i}`),
      ];
      await producer.send({ topic, messages: keys.map((key) => ({ key, value: '{}' })) });
      await producer.disconnect();

      const done = await eventually(
        'the filtered records counted and every record committed',
        async () => {
          const [route] = await status(ctx, name);
          return route?.filtered === SKIPPED && route.partitions[0]?.committed === String(keys.length)
            ? route
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.equal(done.inFlight, 0);
      assert.equal(endpoint.requestsOf('skip-0').length, 0, 'a filtered record is never sent');

      const configFile = join(dir, `${name}.mjs`);
      await writeFile(configFile, `export default ${JSON.stringify(input)};\n`);
      const cli = async (...args: string[]) => {
        const out: string[] = [];
        const code = await main([...args, '--config', configFile], {
          out: (text) => out.push(text),
          err: (text) => out.push(text),
          env: cliEnv({ table, bucket }),
        });
        assert.equal(code, 0, out.join('\n'));
        return out.join('\n');
      };
      const [json] = JSON.parse(await cli('status', '--json')) as { route: string; filtered: unknown }[];
      assert.equal(json?.filtered, SKIPPED);
      assert.match(await cli('status'), new RegExp(`filtered out in the last hour ${SKIPPED}\\n`));

      // A route no poller ever published for: its count is unknown, not 0.
      const [route] = config.routes;
      assert.ok(route);
      assert.equal(await filteredLastHour(ctx, { ...route, name: `${name}-idle` }), null);
      // The same route without a filter: nothing is left out, whatever its series says.
      const { filter: _filter, ...unfiltered } = route;
      assert.equal(await filteredLastHour(ctx, unfiltered), 0);
    } finally {
      ctx.destroy();
    }
  });
});
