import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../lib/config/index.ts';
import { BridgeError } from '../../../lib/errors.ts';

describe('BridgeError', () => {
  test('is an Error, not retryable unless told, and carries its cause', () => {
    const cause = new Error('socket hang up');
    const plain = new BridgeError('deliver failed');
    const transient = new BridgeError('deliver failed', { cause, retryable: true });
    assert.ok(plain instanceof Error);
    assert.equal(plain.name, 'BridgeError');
    assert.equal(plain.retryable, false);
    assert.ok(!('cause' in plain));
    assert.equal(transient.retryable, true);
    assert.equal(transient.cause, cause);
  });

  test('subclasses keep instanceof, their name and the flag', () => {
    class ThrottledError extends BridgeError {
      constructor() {
        super('throttled', { retryable: true });
        this.name = 'ThrottledError';
      }
    }
    const error = new ThrottledError();
    assert.ok(error instanceof BridgeError);
    assert.equal(error.name, 'ThrottledError');
    assert.equal(error.retryable, true);
  });
});

describe('ConfigError', () => {
  test('lists every issue one a line; route and field are the first issue', () => {
    const error = new ConfigError([
      { route: 'orders', field: 'routes[orders].endpoint.url', message: 'must use https://' },
      { field: 'kafka.brokers', message: 'must list at least one broker' },
    ]);
    assert.ok(error instanceof BridgeError);
    assert.equal(error.name, 'ConfigError');
    assert.equal(error.retryable, false);
    assert.equal(error.route, 'orders');
    assert.equal(error.field, 'routes[orders].endpoint.url');
    assert.equal(
      error.message,
      'invalid bridge config (2 problems):\n' +
        '  - routes[orders].endpoint.url: must use https://\n' +
        '  - kafka.brokers: must list at least one broker',
    );
  });

  test('needs at least one issue', () => {
    assert.throws(() => new ConfigError([]), TypeError);
  });
});
