/**
 * Text for people: everything the CLI prints outside `--json` goes through `visible` (cells by
 * `table` and `short`, detail fields by the views, each output line by main's `print`). Keys,
 * values, headers, reasons and endpoint answers come from producers and other teams; a raw ESC
 * (colours, cursor moves, OSC 8 links, title changes), a C1 CSI (U+009B) or a bidi override
 * (U+202E, which reorders what follows) must reach the operator's terminal as visible text.
 */
// C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates and marks, line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control and bidi character escaped visibly (`\x1b`, `\u202e`): one line, inert. */
export function visible(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Whether `text` holds nothing `visible` would escape. */
export function isVisible(text: string): boolean {
  return visible(text) === text;
}

/** Multi-line output: each line made visible, the line breaks kept (the last line of defence). */
export function visibleLines(text: string): string {
  return text.split('\n').map(visible).join('\n');
}

/** Plain-text tables for people; `--json` prints the command's data instead. Every cell is made visible. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null ? '-' : visible(String(cell)))));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Cuts text to one visible line of at most `max` characters, for table cells. */
export function short(text: string, max = 60): string {
  const one = visible(text.replace(/[\t\n\r ]+/g, ' ').trim());
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

// What JSON.stringify leaves raw that a terminal acts on: DEL, C1 controls, bidi and line separators.
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON with bigint as decimal strings (offsets are int64). Exact: it parses back to the same
 * data. JSON.stringify escapes C0 controls itself; DEL, C1 controls (U+009B is a CSI) and bidi
 * characters are written as `\uXXXX` escapes too (they can only be inside strings), so `--json`
 * piped to a terminal is as inert as the text output.
 */
export function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2).replace(
    JSON_UNSAFE,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
