import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePattern, compileRouteFilter, FilterPatternError } from '../../../lib/filter/index.ts';

/*
 * The route filter as the poller's filter stage calls it: the event built from the record (key,
 * headers, value), a list of patterns as OR, and compile errors that name the offending part.
 * The pattern language itself is checked against AWS Event Ruler by
 * test/integration/filter-event-ruler.test.ts; the cases here pin the documented examples.
 */

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const record = (value: unknown, key: Buffer | null = Buffer.from('order-7'), headers = {}) => ({
  key,
  headers,
  value,
});

describe('the event a filter sees', () => {
  test('value: raw JSON bytes are parsed, so a pattern reaches into the value', () => {
    const filter = compileRouteFilter({ value: { type: ['created'], total: [{ numeric: ['>=', 100] }] } });
    assert.equal(filter(record(json({ type: 'created', total: 150 }))), true);
    assert.equal(filter(record(json({ type: 'created', total: 50 }))), false);
    assert.equal(filter(record(json({ type: 'deleted', total: 150 }))), false);
  });

  test('value: bytes that are not JSON are matched as a UTF-8 string; a tombstone is null', () => {
    const filter = compileRouteFilter({ value: [{ prefix: 'PING' }, null] });
    assert.equal(filter(record(Buffer.from('PING 42'))), true);
    assert.equal(filter(record(Buffer.from('PONG'))), false);
    assert.equal(filter(record(null)), true);
  });

  test('value: a decoded value (not bytes) is matched as it is', () => {
    const filter = compileRouteFilter({ value: { id: [7] } });
    assert.equal(filter(record({ id: 7 })), true);
    assert.equal(filter(record({ id: '7' })), false);
  });

  test('key: a UTF-8 string (not parsed), null without key', () => {
    const filter = compileRouteFilter({ key: [{ prefix: 'order-' }] });
    assert.equal(filter(record(json({}), Buffer.from('order-1'))), true);
    assert.equal(filter(record(json({}), Buffer.from('user-1'))), false);
    assert.equal(compileRouteFilter({ key: [null] })(record(json({}), null)), true);
    assert.equal(compileRouteFilter({ key: ['12'] })(record(json({}), Buffer.from('12'))), true);
  });

  test('headers: kafkajs header objects and envelope pairs; a repeated name matches on any value', () => {
    const filter = compileRouteFilter({ headers: { tenant: ['acme'], trace: [{ exists: true }] } });
    assert.equal(filter(record(json({}), null, { tenant: Buffer.from('acme'), trace: 'x' })), true);
    assert.equal(
      filter(record(json({}), null, { tenant: [Buffer.from('other'), Buffer.from('acme')], trace: 'x' })),
      true,
    );
    assert.equal(filter(record(json({}), null, { tenant: Buffer.from('acme') })), false);
    const pairs = [
      ['tenant', Buffer.from('acme')],
      ['trace', null],
    ] as const;
    assert.equal(filter({ key: null, headers: pairs, value: null }), true);
  });

  test('only the fields a filter names are built: a key filter never parses the value', () => {
    const value = {
      get length(): number {
        throw new Error('value read');
      },
    };
    const filter = compileRouteFilter({ key: ['k'] });
    assert.equal(filter({ key: Buffer.from('k'), value: value as unknown as Buffer }), true);
  });
});

describe('patterns', () => {
  test('no filter forwards everything; a list forwards what any pattern matches', () => {
    assert.equal(compileRouteFilter(undefined)(record(null)), true);
    const filter = compileRouteFilter([{ value: { a: [1] } }, { key: ['vip'] }]);
    assert.equal(filter(record(json({ a: 1 }))), true);
    assert.equal(filter(record(json({ a: 2 }), Buffer.from('vip'))), true);
    assert.equal(filter(record(json({ a: 2 }))), false);
  });

  test('the documented operators', () => {
    const cases: [unknown, unknown, boolean][] = [
      [{ a: ['x'] }, { a: 'x' }, true],
      [{ a: [{ suffix: '.png' }] }, { a: 'cat.png' }, true],
      [{ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'z' }, true],
      [{ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'x' }, false],
      [{ a: [{ 'anything-but': ['x'] }] }, {}, false],
      [{ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 5 }, true],
      [{ a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: '5' }, false],
      [{ a: [{ exists: false }] }, { b: 1 }, true],
      [{ a: [{ exists: true }] }, { a: null }, true],
      [{ a: [{ 'equals-ignore-case': 'ALPHA' }] }, { a: 'alpha' }, true],
      // As Event Ruler: each pattern character matches its lower or upper case form.
      [{ a: [{ 'equals-ignore-case': 'straße' }] }, { a: 'STRASSE' }, true],
      [{ a: [{ 'equals-ignore-case': 'straße' }] }, { a: 'strasse' }, false],
      [{ a: [{ prefix: { 'equals-ignore-case': 'ORD' } }] }, { a: 'order-1' }, true],
      [{ a: [{ wildcard: 'a*c' }] }, { a: 'abbc' }, true],
      [{ $or: [{ a: [1] }, { b: [2] }] }, { b: 2 }, true],
      [
        { a: { b: [1], c: [2] } },
        {
          a: [
            { b: 1, c: 3 },
            { b: 3, c: 2 },
          ],
        },
        false,
      ],
      [{ a: { b: [1], c: [2] } }, { a: [{ b: 1, c: 2 }] }, true],
      [{ a: [5] }, { a: 5.0 }, true],
      [{ a: [5] }, { a: [4, 5] }, true],
    ];
    for (const [pattern, event, expected] of cases) {
      assert.equal(
        compilePattern(pattern)(event),
        expected,
        `${JSON.stringify(pattern)} on ${JSON.stringify(event)}`,
      );
    }
  });

  test('a field beside $or and inside an alternative: the later one replaces the earlier (Event Ruler)', () => {
    const matcher = compilePattern({ a: ['x'], $or: [{ a: ['y'] }, { b: ['z'] }] });
    assert.equal(matcher({ a: 'y' }), true);
    assert.equal(matcher({ a: 'x', b: 'q' }), false);
    assert.equal(matcher({ a: 'x', b: 'z' }), true);
  });
});

describe('invalid filters name the part at fault', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ value: { price: [{ numeric: ['>', 'x'] }] } }, 'value.price[0].numeric[1]', /must be a number/],
    [[{ key: ['a'] }, { value: { a: [{ nope: 1 }] } }], '[1].value.a[0]', /exactly one operator/],
    [{ value: { a: 'x' } }, 'value.a', /list of conditions/],
    [{ value: { a: [] } }, 'value.a', /at least one condition/],
    [{ valeu: { a: [1] } }, 'valeu', /key, headers or value/],
    [{ $or: [{ key: ['a'] }] }, '$or', /at least two/],
    [
      { value: { a: [{ 'anything-but': ['x', 1] }] } },
      'value.a[0].anything-but',
      /strings only or numbers only/,
    ],
    [{ value: { a: [{ numeric: ['<', 5, '>', 1] }] } }, 'value.a[0].numeric', /lower and an upper bound/],
    [{ value: { a: [{ wildcard: 'a**' }] } }, 'value.a[0].wildcard', /consecutive/],
  ];
  for (const [filter, path, message] of cases) {
    test(`${JSON.stringify(filter)} -> ${path}`, () => {
      assert.throws(
        () => compileRouteFilter(filter as Record<string, unknown>),
        (error: unknown) => {
          assert.ok(error instanceof FilterPatternError);
          assert.equal(error.message.split(': ')[0], path);
          assert.match(error.problem, message);
          return true;
        },
      );
    });
  }
});
