import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  archivePrefix,
  deadLetterQueueName,
  membershipGroupId,
  parseBridgeConfig,
  payloadPrefix,
  progressGroupId,
  queueName,
  redriveQueueName,
} from '../../../lib/config/index.ts';
import { config, route } from './support.ts';

describe('names derived from a route', () => {
  test('without a group prefix', () => {
    const [orders] = parseBridgeConfig(config([route()])).routes;
    assert.ok(orders !== undefined);
    assert.equal(membershipGroupId(orders), 'orders.pollers');
    assert.equal(progressGroupId(orders), 'orders');
    assert.equal(queueName(orders), 'orders.fifo');
    assert.equal(deadLetterQueueName(orders), 'orders-dlq.fifo');
    assert.equal(redriveQueueName(orders), 'orders-redrive.fifo');
    assert.equal(payloadPrefix(orders), 'payloads/orders/');
    assert.equal(archivePrefix(orders), 'archive/orders/');
  });

  test('a group prefix goes before both group ids and nowhere else', () => {
    const [orders] = parseBridgeConfig(config([route({ groupPrefix: 'team-a.' })])).routes;
    assert.ok(orders !== undefined);
    assert.equal(membershipGroupId(orders), 'team-a.orders.pollers');
    assert.equal(progressGroupId(orders), 'team-a.orders');
    assert.equal(queueName(orders), 'orders.fifo');
    assert.equal(deadLetterQueueName(orders), 'orders-dlq.fifo');
    assert.equal(payloadPrefix(orders), 'payloads/orders/');
    assert.equal(archivePrefix(orders), 'archive/orders/');
  });

  test('a bare name works (the CLI may know only the name)', () => {
    assert.equal(progressGroupId({ name: 'orders' }), 'orders');
    assert.equal(membershipGroupId({ name: 'orders' }), 'orders.pollers');
  });

  test('the longest route name still makes valid SQS queue names (80 characters at most)', () => {
    const name = 'a'.repeat(40);
    assert.ok(queueName({ name }).length <= 80);
    assert.ok(deadLetterQueueName({ name }).length <= 80);
    assert.ok(redriveQueueName({ name }).length <= 80);
    assert.match(deadLetterQueueName({ name }), /^[A-Za-z0-9_-]+\.fifo$/);
    assert.match(redriveQueueName({ name }), /^[A-Za-z0-9_-]+\.fifo$/);
  });
});
