import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  RecordSchema,
  RecordSchemaError,
  SCHEMA_MAX_VALUE_BYTES,
} from '../../../lib/schema/record-schema.ts';

const order = {
  type: 'object',
  required: ['id', 'amount'],
  properties: { id: { type: 'string' }, amount: { type: 'number', minimum: 0 } },
};

describe('RecordSchema', () => {
  const schema = new RecordSchema(order);

  test('accepts a value that matches the schema', () => {
    assert.equal(schema.problem(Buffer.from('{"id":"o-1","amount":12.5}')), undefined);
  });

  test('names the field and the rule a value breaks', () => {
    assert.equal(schema.problem(Buffer.from('{"id":"o-1","amount":-1}')), 'schema: /amount must be >= 0');
    assert.equal(
      schema.problem(Buffer.from('{"amount":1}')),
      "schema: the value must have required property 'id'",
    );
  });

  test('a value that is not JSON is a problem, not a crash', () => {
    assert.match(schema.problem(Buffer.from([0xff, 0x00, 0x7b])) ?? '', /^schema: the value is not JSON/);
  });

  test('tombstones are not checked', () => {
    assert.equal(schema.problem(null), undefined);
  });

  test('an invalid schema is rejected when it is compiled', () => {
    assert.throws(() => new RecordSchema({ type: 'not-a-type' }), RecordSchemaError);
    assert.throws(() => new RecordSchema({ type: 'not-a-type' }), /is not a valid JSON Schema/);
  });

  // Hostile input: the pattern of issue 16. Under V8's backtracking RegExp a non-matching value
  // of n characters takes ~2^n steps (27 characters: over a second; 60: longer than anyone waits);
  // RE2 is linear, so these tests finishing at all is the proof, no timing is asserted.
  test('a catastrophic-backtracking pattern on a 60-character hostile value is answered (RE2)', () => {
    const hostile = `${'a'.repeat(60)}!`;
    const schema = new RecordSchema({
      type: 'object',
      properties: { host: { type: 'string', pattern: '^([a-z0-9]+)+$' } },
      patternProperties: { '^([a-z0-9]+)+$': { type: 'string' } },
    });
    assert.equal(
      schema.problem(Buffer.from(JSON.stringify({ host: hostile }))),
      'schema: /host must match pattern "^([a-z0-9]+)+$"',
    );
    assert.equal(schema.problem(Buffer.from(JSON.stringify({ host: 'abc123', [hostile]: 'x' }))), undefined);
    assert.equal(
      schema.problem(Buffer.from(JSON.stringify({ host: 'abc123', aaa: 1 }))),
      'schema: /aaa must be string',
    );
  });

  test('pattern is a search, as JSON Schema says; RE2-only syntax limits are config errors', () => {
    const schema = new RecordSchema({ type: 'string', pattern: 'b+' });
    assert.equal(schema.problem(Buffer.from('"abbc"')), undefined);
    assert.match(schema.problem(Buffer.from('"ac"')) ?? '', /must match pattern/);
    // A lookahead compiles under RegExp but not under RE2: the engine in use is the linear one.
    assert.throws(
      () => new RecordSchema({ type: 'string', pattern: '^(?=a)a+$' }),
      /pattern "\^\(\?=a\)a\+\$" is not supported by the linear-time regex engine/,
    );
  });

  test('a value larger than the cap is a problem without being parsed', () => {
    const big = Buffer.alloc(SCHEMA_MAX_VALUE_BYTES + 1, 0x20);
    assert.match(new RecordSchema({}).problem(big) ?? '', /more than the 1048576 a route schema checks/);
  });
});
