// Control characters other than tab and line feed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from records and endpoints in a Discord message: a dead-letter reason can hold a record's
 * property names (a schema error) or an endpoint's words. Discord renders markdown in embeds
 * (masked links `[text](url)`, bare URLs become links, headings, mentions), so such text goes in
 * a code block, where nothing renders; a backtick inside is replaced by U+02CB (ˋ) so it cannot
 * close the block, and control characters are shown as `\xNN`.
 */
export function codeBlock(text: string): string {
  const inert = text
    .replaceAll('`', '\u02cb')
    .replace(CONTROL, (char) => `\\x${(char.codePointAt(0) ?? 0).toString(16).padStart(2, '0')}`);
  return `\`\`\`\n${inert}\n\`\`\``;
}

/** One value in inline code (record ids): backticks replaced as in codeBlock. */
export function inlineCode(text: string): string {
  return `\`${text.replaceAll('`', '\u02cb')}\``;
}
