import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommand } from '../../../lib/cli/command.ts';
import { CliError } from '../../../lib/cli/errors.ts';

/** Asserts the command line is refused as a usage mistake (exit 2) whose message matches. */
function refused(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseCommand(argv),
    (error: unknown) => {
      assert.ok(error instanceof CliError, String(error));
      assert.equal(error.exitCode, 2);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('parseCommand: the command line, checked without AWS', () => {
  test('every command with its arguments and flags', () => {
    const common = { json: false, resources: {} };
    assert.deepEqual(parseCommand(['status']), { ...common, name: 'status' });
    assert.deepEqual(parseCommand(['dlq', 'list', '--route', 'orders', '--key', 'k', '--error', 'x']), {
      ...common,
      route: 'orders',
      name: 'dlq list',
      filter: { key: 'k', error: 'x' },
    });
    assert.deepEqual(parseCommand(['dlq', 'show', 'orders/orders/0/5']), {
      ...common,
      name: 'dlq show',
      recordId: 'orders/orders/0/5',
    });
    assert.deepEqual(
      parseCommand(['dlq', 'replay', '--route', 'orders', '--since', '2026-11-23T09:00:00Z', '--wait', '2']),
      {
        ...common,
        route: 'orders',
        name: 'dlq replay',
        filter: { since: Date.parse('2026-11-23T09:00:00Z') },
        waitMs: 2000,
        dryRun: false,
        yes: false,
      },
    );
    assert.deepEqual(parseCommand(['quarantine', 'list', '--json']), {
      ...common,
      json: true,
      name: 'quarantine list',
    });
    assert.deepEqual(parseCommand(['quarantine', 'replay', 'order-77', '--route', 'orders']), {
      ...common,
      route: 'orders',
      name: 'quarantine replay',
      key: 'order-77',
      dryRun: false,
      yes: false,
    });
    assert.deepEqual(parseCommand(['trace', 'orders/orders/0/5', '--endpoint', 'http://127.0.0.1:4566']), {
      ...common,
      resources: { endpoint: 'http://127.0.0.1:4566' },
      name: 'trace',
      record: 'orders/orders/0/5',
    });
    assert.deepEqual(parseCommand(['reset', '--route', 'orders', '--to-offset', '12', '--partition', '1']), {
      ...common,
      route: 'orders',
      name: 'reset',
      to: { offset: 12n },
      partition: 1,
      dryRun: false,
      yes: false,
    });
    assert.deepEqual(
      parseCommand([
        'reset',
        '--route',
        'orders',
        '--to-offset',
        '12',
        '--dry-run',
        '--bucket-owner',
        '123456789012',
      ]),
      {
        ...common,
        resources: { bucketOwner: '123456789012' },
        route: 'orders',
        name: 'reset',
        to: { offset: 12n },
        dryRun: true,
        yes: false,
      },
    );
  });

  test('--help and no command at all are help', () => {
    assert.deepEqual(parseCommand(['--help']), { name: 'help', asked: true, json: false, resources: {} });
    assert.deepEqual(parseCommand(['dlq', 'show', '-h']), {
      name: 'help',
      asked: true,
      json: false,
      resources: {},
    });
    assert.deepEqual(parseCommand([]), { name: 'help', asked: false, json: false, resources: {} });
  });

  test('a command or subcommand the CLI does not have', () => {
    refused(['frobnicate'], /unknown command "frobnicate"/);
    refused(['dlq'], /dlq needs list, show or replay/);
    refused(['dlq', 'purge'], /dlq needs list, show or replay, not "purge"/);
    refused(['quarantine', 'lift', 'k'], /quarantine needs list or replay, not "lift"/);
  });

  test('a flag the CLI does not have, or one the command does not take', () => {
    refused(['dlq', 'show', 'orders/orders/0/5', '--payload'], /unknown option --payload/);
    refused(['status', '--key', 'k'], /status has no --key/);
    refused(
      ['dlq', 'show', 'orders/orders/0/5', '--since', '2026-11-23T09:00:00Z'],
      /dlq show has no --since/,
    );
    refused(
      ['reset', '--route', 'orders', '--to-offset', '1', '--wait', '5'],
      /reset has no --wait \(it takes --to-offset/,
    );
  });

  test('arguments missing or too many', () => {
    refused(['dlq', 'show'], /dlq show needs a record id/);
    refused(['quarantine', 'replay'], /quarantine replay needs a key/);
    refused(['trace'], /trace needs a record/);
    refused(['status', 'orders'], /unexpected argument "orders"/);
    refused(['dlq', 'list', 'orders'], /unexpected argument "orders"/);
    refused(['trace', 'a/b/0/1', 'extra'], /unexpected argument "extra"/);
  });

  test('values that are not what the flag takes', () => {
    refused(['reset', '--to-offset', '1'], /reset needs --route/);
    refused(['reset', '--route', 'orders'], /exactly one of --to-offset N or --to-time ISO/);
    refused(['reset', '--route', 'orders', '--to-offset', '1.5'], /not an offset/);
    refused(['reset', '--route', 'orders', '--to-time', 'yesterday'], /not a time/);
    refused(['dlq', 'replay', '--route', 'orders', '--wait', '0'], /not a positive number of seconds/);
    refused(['dlq', 'replay', '--yes'], /dlq replay needs --route <name>/);
    refused(['dlq', 'list', '--yes'], /dlq list has no --yes/);
  });
});

describe('parseCommand: console', () => {
  test('port and --allow-replay; read-only on a free port by default', () => {
    const common = { json: false, resources: {} };
    assert.deepEqual(parseCommand(['console']), { ...common, name: 'console', port: 0, allowReplay: false });
    assert.deepEqual(parseCommand(['console', '--port', '8900', '--allow-replay']), {
      ...common,
      name: 'console',
      port: 8900,
      allowReplay: true,
    });
  });

  test('a bad port or a flag of another command is a usage error', () => {
    refused(['console', '--port', '70000'], /--port 70000 is not a port/);
    refused(['console', '--port', 'x'], /--port x is not a non-negative integer/);
    refused(['console', '--key', 'k'], /console has no --key/);
    refused(['status', '--allow-replay'], /status has no --allow-replay/);
  });
});
