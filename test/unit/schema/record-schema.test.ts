import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordSchema, RecordSchemaError } from '../../../lib/schema/record-schema.ts';

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
});
