import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { assertRejected, config, route } from './support.ts';

describe('route.decode', () => {
  test('defaults: values only, a 5 s registry timeout', () => {
    const decode = { registry: { type: 'confluent', url: 'https://registry.example.com' } };
    assert.deepEqual(parseBridgeConfig(config([route({ decode })])).routes[0]?.decode, {
      registry: { type: 'confluent', url: 'https://registry.example.com', timeoutMs: 5_000 },
      key: false,
    });
    const glue = { registry: { type: 'glue', registryName: 'team-a', region: 'eu-west-1' }, key: true };
    assert.deepEqual(parseBridgeConfig(config([route({ decode: glue })])).routes[0]?.decode, glue);
  });

  test('a registry URL follows the endpoint URL rule (https, or http to a loopback host)', () => {
    assertRejected(
      config([route({ decode: { registry: { type: 'confluent', url: 'http://registry.example.com' } } })]),
      {
        route: 'orders',
        field: 'routes[orders].decode.registry.url',
        message: /https/,
      },
    );
  });

  test('an unknown registry type, a bad region, a typo', () => {
    assertRejected(
      config([route({ decode: { registry: { type: 'karapace', url: 'https://r.example.com' } } })]),
      {
        route: 'orders',
        field: 'routes[orders].decode.registry.type',
      },
    );
    assertRejected(config([route({ decode: { registry: { type: 'glue', region: 'Ireland' } } })]), {
      route: 'orders',
      field: 'routes[orders].decode.registry.region',
      message: /AWS region/,
    });
    assertRejected(config([route({ decode: { registry: { type: 'glue' }, keys: true } })]), {
      route: 'orders',
      field: 'routes[orders].decode.keys',
      message: /not a known setting/,
    });
  });
});

describe('route.decode in a deployed stack', () => {
  test('a loopback registry (local mode) fails in deploy mode, naming the field', () => {
    const decode = { registry: { type: 'confluent', url: 'http://127.0.0.1:18081/apis/ccompat/v7' } };
    assert.ok(parseBridgeConfig(config([route({ decode })])).routes[0]?.decode);
    assertRejected(
      config([route({ decode })], { kafka: { brokers: ['b-1.kafka.example.com:9092'] } }),
      { route: 'orders', field: 'routes[orders].decode.registry.url', message: /loopback/ },
      { mode: 'deploy' },
    );
  });
});
