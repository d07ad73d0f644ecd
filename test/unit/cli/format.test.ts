import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyText } from '../../../lib/cli/archived.ts';
import { isVisible, json, short, table, visible, visibleLines } from '../../../lib/cli/format.ts';

const HOSTILE = [
  [
    'ESC (colours, OSC 8 links)',
    '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007',
    '\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07',
  ],
  ['C1 CSI', 'a\u009b2Jb', 'a\\x9b2Jb'],
  ['bidi override and isolate', 'abc\u202Etxt.exe\u2066', 'abc\\u202etxt.exe\\u2066'],
  ['NUL, DEL, CR', 'a\u0000b\u007fc\rd', 'a\\x00b\\x7fc\\x0dd'],
  ['marks and separators', '\u200e\u200f\u2028', '\\u200e\\u200f\\u2028'],
] as const;

for (const [what, input, shown] of HOSTILE) {
  test(`visible escapes ${what}; short and table cells go through it`, () => {
    assert.equal(visible(input), shown);
    assert.equal(isVisible(input), false);
    assert.equal(isVisible(shown), true);
    assert.equal(isVisible(short(input, 500)), true);
    assert.ok(table(['h'], [[input]]).includes(shown));
    // --json: the same data when parsed, and nothing a terminal acts on in the text itself.
    assert.deepEqual(JSON.parse(json({ v: input })), { v: input }, '--json stays exact');
    assert.equal(
      isVisible(json({ v: input }).replaceAll('\n', ' ')),
      true,
      `--json is inert: ${json({ v: input })}`,
    );
  });
}

test('visibleLines keeps line breaks and nothing else; printable text and non-Latin letters pass', () => {
  assert.equal(visibleLines('a\u001b[1m\nb'), 'a\\x1b[1m\nb');
  assert.equal(visible('Grüße, 東京 ✓'), 'Grüße, 東京 ✓');
});

test('keyText: keys with control or bidi characters are shown as base64', () => {
  assert.equal(keyText(Buffer.from('order-1')), 'order-1');
  for (const key of ['\u001b[31mred', 'x\u009b', 'abc\u202Egpj']) {
    assert.equal(
      keyText(Buffer.from(key)),
      `base64:${Buffer.from(key).toString('base64')}`,
      JSON.stringify(key),
    );
  }
});
