/**
 * HTML for the console, built so that data can never become markup: every value put into a
 * template is escaped (and its control characters shown as visible `\x1b`-style text, so a
 * terminal escape sequence in a record key reads as what it is); only templates nest unescaped.
 * Record keys, payloads, endpoint answers and archive fields are written by whoever can produce
 * to a topic or run an endpoint, so nothing from them is trusted.
 */
export class Html {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

type Value = Html | string | number | bigint | boolean | null | undefined | readonly Value[];

/** A template whose interpolations are escaped; arrays are joined, null and undefined are empty. */
export function html(strings: TemplateStringsArray, ...values: readonly Value[]): Html {
  let markup = strings[0] ?? '';
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(markup);
}

function render(value: Value): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined) return '';
  return escapeText(String(value));
}

// C0 and C1 controls but tab and newline, DEL, and the bidirectional overrides that would
// make text read differently from what it is.
const INVISIBLE = /(?![\t\n])\p{Cc}|[\u202a-\u202e\u2066-\u2069]/gu;

/** Text as HTML text or attribute value: `& < > " '` escaped, control characters made visible. */
export function escapeText(text: string): string {
  return text
    .replace(INVISIBLE, (char) => {
      const code = char.codePointAt(0) ?? 0;
      return code > 0xff
        ? `\\u${code.toString(16).padStart(4, '0')}`
        : `\\x${code.toString(16).padStart(2, '0')}`;
    })
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * A table of text cells; a cell may be a template (a link). On a phone each row becomes a card
 * whose cells carry their column's name (console.css).
 */
export function table(
  headers: readonly string[],
  rows: readonly (readonly Value[])[],
  caption?: string,
): Html {
  return html`<div class="scroll"><table>${caption === undefined ? '' : html`<caption>${caption}</caption>`}
<thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="${headers.length}">none</td></tr>` : rows.map((row) => html`<tr>${row.map((cell, i) => html`<td data-label="${headers[i]}">${cell ?? '-'}</td>`)}</tr>`)}</tbody>
</table></div>`;
}

/** Label and value pairs, like `dlq show` prints them. */
export function fields(pairs: readonly (readonly [string, Value])[]): Html {
  return html`<dl class="fields">${pairs.map(([name, value]) => html`<dt>${name}</dt><dd>${value ?? '-'}</dd>`)}</dl>`;
}
