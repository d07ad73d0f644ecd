// Record values are the producer's, not the platform's (docs/security.md): a schema reason
// quotes no record content (it goes to logs, the DLQ attribute, the archive and Discord), and
// uniqueItems cannot make one record hold a deliverer (it must be bounded by maxItems).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonSyntaxError, jsonSyntaxProblem } from '../../../lib/errors.ts';
import { MAX_UNIQUE_ITEMS, RecordSchema, RecordSchemaError } from '../../../lib/schema/record-schema.ts';

const SENTINEL = 'SENTINEL-p4ssw0rd';

describe('record values in reasons', () => {
  test('a value that is not JSON: the reason gives a position, never the text', () => {
    const schema = new RecordSchema({ type: 'object' });
    for (const value of [`{"password":"${SENTINEL}"`, `${SENTINEL}`, `{"a":1,${SENTINEL}}`]) {
      const reason = schema.problem(Buffer.from(value)) ?? '';
      assert.match(reason, /^schema: the value is not JSON \((invalid JSON|unexpected end)/);
      assert.doesNotMatch(reason, /SENTINEL/);
    }
  });

  test('a property name that is not a plain name is not quoted; plain names and indexes are', () => {
    const schema = new RecordSchema({ type: 'object', additionalProperties: { type: 'number' } });
    const hostile = schema.problem(
      Buffer.from(JSON.stringify({ [`\u001b]0;${SENTINEL} [click](https://x)`]: 'no' })),
    );
    assert.equal(hostile, 'schema: /~ must be number');
    const items = new RecordSchema({
      type: 'object',
      properties: { lines: { type: 'array', items: { type: 'number' } } },
    });
    assert.equal(items.problem(Buffer.from('{"lines":[1,"x"]}')), 'schema: /lines/1 must be number');
  });

  test('JSON.parse errors kept as cause quote no input', () => {
    let caught: unknown;
    try {
      JSON.parse(`{"password":${SENTINEL}}`);
    } catch (error) {
      caught = error;
    }
    assert.match(String(caught), /SENTINEL/, "V8's own message does quote the input");
    assert.doesNotMatch(jsonSyntaxProblem(caught), /SENTINEL/);
    assert.doesNotMatch(String(jsonSyntaxError(caught)), /SENTINEL/);
  });
});

describe('uniqueItems', () => {
  test('without maxItems (or with a larger one) the schema is refused when compiled, naming where', () => {
    assert.throws(
      () => new RecordSchema({ type: 'object', properties: { tags: { type: 'array', uniqueItems: true } } }),
      (error: unknown) =>
        error instanceof RecordSchemaError &&
        /uniqueItems at \/properties\/tags needs maxItems/.test(error.message),
    );
    assert.throws(
      () => new RecordSchema({ type: 'array', uniqueItems: true, maxItems: MAX_UNIQUE_ITEMS + 1 }),
      /\(root\)/,
    );
  });

  test('bounded: a 1 MiB array of objects fails on maxItems, before any pairwise comparison', () => {
    const schema = new RecordSchema({ type: 'array', uniqueItems: true, maxItems: MAX_UNIQUE_ITEMS });
    const big = Buffer.from(JSON.stringify(Array.from({ length: 120_000 }, (_, i) => ({ i: i % 7 }))));
    assert.ok(big.length > 900_000 && big.length <= 1024 * 1024, `${big.length} bytes`);
    assert.equal(schema.problem(big), `schema: the value must NOT have more than ${MAX_UNIQUE_ITEMS} items`);
    assert.equal(
      schema
        .problem(Buffer.from('[{"a":1},{"a":1}]'))
        ?.startsWith('schema: the value must NOT have duplicate items'),
      true,
    );
  });
});
