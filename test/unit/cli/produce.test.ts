import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CliError } from '../../../lib/cli/errors.ts';
import { parseRecords, topicOf } from '../../../lib/cli/produce.ts';
import { parseBridgeConfig } from '../../../lib/config/index.ts';

/* `kafka-bridge produce`'s input: JSON lines or key<TAB>value, every line checked before sending. */

describe('produce: the records of a file', () => {
  test('JSON lines: key, value (a string as is, anything else as JSON text) and headers', () => {
    const records = parseRecords(
      [
        '{"key": "device-1", "value": {"reading": 20}}',
        '',
        '{"key": null, "value": "as it is", "headers": {"source": "test"}}',
      ].join('\n'),
      'records.jsonl',
    );
    assert.deepEqual(records, [
      { key: 'device-1', value: '{"reading":20}' },
      { key: null, value: 'as it is', headers: { source: 'test' } },
    ]);
  });

  test('key<TAB>value: both as they are, the value may hold tabs', () => {
    assert.deepEqual(parseRecords('k1\t{"a":1}\nk2\tx\ty\r\n', 'stdin'), [
      { key: 'k1', value: '{"a":1}' },
      { key: 'k2', value: 'x\ty' },
    ]);
  });

  test('the documented example files parse', () => {
    for (const file of ['docs/examples/records.jsonl', 'docs/examples/records.tsv']) {
      const text = readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
      assert.ok(parseRecords(text, file).length > 0, file);
    }
  });

  test('a bad line is named by its number and form, and nothing is sent', () => {
    const refused = (text: string, message: RegExp) =>
      assert.throws(
        () => parseRecords(text, 'records.jsonl'),
        (e: unknown) => e instanceof CliError && message.test(e.message),
      );
    refused('k1\tv\nno tab here', /records\.jsonl line 2 is neither a JSON object .* nor key<TAB>value/);
    refused(
      '{"key": "k", "vlaue": 1}',
      /line 1: a JSON line is \{"key": \.\.\., "value": \.\.\., "headers": \{\.\.\.\}\}, not "vlaue"/,
    );
    refused('{"key": 7, "value": 1}', /line 1: key must be a string or null/);
    refused('{"key": "k", "value": 1', /line 1 is not valid JSON/);
    refused('\n\n', /holds no record/);
  });
});

test("produce's topic: the route's only one, or --topic among several", () => {
  const config = parseBridgeConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    routes: [
      { name: 'one', topics: ['a'], endpoint: { type: 'http', url: 'http://127.0.0.1:1/x' } },
      { name: 'two', topics: ['b', 'c'], endpoint: { type: 'http', url: 'http://127.0.0.1:1/y' } },
    ],
  });
  const [one, two] = config.routes;
  assert.ok(one && two);
  assert.equal(topicOf(one, undefined), 'a');
  assert.equal(topicOf(two, 'c'), 'c');
  assert.throws(() => topicOf(two, undefined), /reads b, c: say which with --topic/);
  assert.throws(() => topicOf(one, 'z'), /does not read topic z/);
});
