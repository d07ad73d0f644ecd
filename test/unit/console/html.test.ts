// The console's one rule for data: it is text. Markup in a value is escaped, and control
// characters (terminal escapes, bidirectional overrides) are shown as visible \x.. text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeText, html, table } from '../../../lib/console/html.ts';

describe('console html', () => {
  test('interpolated values are escaped, templates nest as markup', () => {
    const value = '<img src=x onerror=alert(1)>"\'&';
    assert.equal(
      html`<p title="${value}">${value}${html`<b>ok</b>`}</p>`.toString(),
      '<p title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;">&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;<b>ok</b></p>',
    );
  });

  test('terminal escapes and bidi overrides become visible text; tab and newline stay', () => {
    assert.equal(escapeText('a\x1b[2Jb\x07\x9b\u202ec\td\n'), 'a\\x1b[2Jb\\x07\\x9b\\u202ec\td\n');
  });

  test('table cells are escaped, arrays joined, null shown as a dash', () => {
    const out = table(['h'], [['<i>'], [null]]).toString();
    assert.match(out, /<td data-label="h">&lt;i&gt;<\/td>/);
    assert.match(out, /<td data-label="h">-<\/td>/);
  });
});
