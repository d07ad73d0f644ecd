import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBridgeConfig } from '../../../lib/config/index.ts';
import { assertRejected, config, route } from './support.ts';

describe('route.deadLetter', () => {
  test('absent by default; a Kafka topic is taken as given', () => {
    assert.equal(parseBridgeConfig(config([route()])).routes[0]?.deadLetter, undefined);
    const deadLetter = { kafkaTopic: 'orders.failed' };
    assert.deepEqual(parseBridgeConfig(config([route({ deadLetter })])).routes[0]?.deadLetter, deadLetter);
  });

  test('a bad topic name, an unknown field, and one of the route own topics are refused naming route and field', () => {
    assertRejected(config([route({ deadLetter: { kafkaTopic: 'no spaces' } })]), {
      route: 'orders',
      field: 'routes[orders].deadLetter.kafkaTopic',
      message: /Kafka topic name/,
    });
    assertRejected(config([route({ deadLetter: { kafkaTopic: 'x', sqs: true } })]), {
      route: 'orders',
      field: 'routes[orders].deadLetter.sqs',
    });
    const own = route();
    assertRejected(config([{ ...own, deadLetter: { kafkaTopic: (own.topics as string[])[0] } }]), {
      route: 'orders',
      field: 'routes[orders].deadLetter.kafkaTopic',
      message: /route orders reads/,
    });
    // Another route's topic: its dead letters would become that route's records.
    const other = { ...route(), name: 'payments', topics: ['payments'] };
    assertRejected(config([route(), { ...other, deadLetter: { kafkaTopic: (own.topics as string[])[0] } }]), {
      route: 'payments',
      field: 'routes[payments].deadLetter.kafkaTopic',
      message: /route orders reads/,
    });
  });
});
