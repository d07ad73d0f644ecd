// BRIDGE_CONFIG_FILE: the routes and defaults of functions that get every route come in a file
// bundled with their code (Lambda allows 4 KB of environment); the Kafka section stays in
// BRIDGE_CONFIG_JSON. What the function gets must be the config the stack validated.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { bridgeConfigFromEnv } from '../../../lib/runtime/config.ts';

const kafka = { brokers: ['b-1.example.com:9098'] };
const routes = Array.from({ length: 60 }, (_, index) => ({
  name: `team-${index}-orders`,
  topics: [`team-${index}.orders.v1`],
  endpoint: { type: 'http', url: `https://team-${index}.example.com/kafka/orders` },
}));
const defaults = { maxInFlight: 500 };

const taskRoot = mkdtempSync(join(tmpdir(), 'bundled-config-'));
after(() => rmSync(taskRoot, { recursive: true, force: true }));

function bundle(name: string, content: unknown): string {
  writeFileSync(join(taskRoot, name), typeof content === 'string' ? content : JSON.stringify(content));
  return name;
}

function env(file: string, rest: unknown = { kafka }): NodeJS.ProcessEnv {
  return { BRIDGE_CONFIG_JSON: JSON.stringify(rest), BRIDGE_CONFIG_FILE: file, LAMBDA_TASK_ROOT: taskRoot };
}

describe('bridgeConfigFromEnv with a bundled config file', () => {
  test('merges the bundled routes and defaults with the Kafka section into the validated config', () => {
    // Prepare
    const file = bundle('bridge-config.json', { routes, defaults });

    // Act
    const config = bridgeConfigFromEnv(env(file));

    // Assess
    assert.deepEqual(config, parseBridgeConfig({ kafka, routes, defaults }));
    assert.equal(config.routes.length, 60);
    assert.ok(JSON.stringify({ routes, defaults }).length > 4_096, 'more than an environment could hold');
  });

  test('a missing file names its path and says it should have been shipped with the function', () => {
    assert.throws(
      () => bridgeConfigFromEnv(env('not-there.json')),
      (error: Error) =>
        error.message.includes(join(taskRoot, 'not-there.json')) &&
        /should be shipped with the function/.test(error.message),
    );
  });

  test('a file that is not a JSON object, or holds other fields, is refused with the field named', () => {
    assert.throws(() => bridgeConfigFromEnv(env(bundle('broken.json', '{"routes": ['))), /is not valid JSON/);
    assert.throws(() => bridgeConfigFromEnv(env(bundle('array.json', [routes]))), /must hold a JSON object/);
    assert.throws(
      () => bridgeConfigFromEnv(env(bundle('kafka.json', { routes, kafka }))),
      /holds "kafka": only routes and defaults belong there/,
    );
  });

  test('a field set in both places is refused rather than one silently winning', () => {
    const file = bundle('both.json', { routes });
    assert.throws(
      () => bridgeConfigFromEnv(env(file, { kafka, routes: routes.slice(0, 1) })),
      /both BRIDGE_CONFIG_JSON and BRIDGE_CONFIG_FILE .* set "routes"/,
    );
  });

  test('the merged config is validated again: a bad bundled route names its field', () => {
    const file = bundle('bad.json', { routes: [{ ...routes[0], maxInFlight: 0 }] });
    assert.throws(() => bridgeConfigFromEnv(env(file)), /routes\[team-0-orders\]\.maxInFlight/);
  });
});
