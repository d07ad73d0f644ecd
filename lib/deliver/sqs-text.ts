// The characters SQS accepts in a message body or string attribute: #x9 | #xA | #xD |
// #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. Anything else (ESC, NUL, a lone surrogate)
// makes SendMessage fail with InvalidMessageContents, AWS and ElasticMQ alike.
const NOT_ALLOWED = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * `text` made fit for an SQS string attribute: characters SQS refuses escaped (`\x1b`,
 * `\ud800`), cut to at most `max` UTF-16 units without splitting a surrogate pair. A dead-letter
 * reason holds record content (a schema error names the record's property), so without this a
 * hostile record would fail its own dead-lettering on every receive.
 */
export function sqsAttributeText(text: string, max: number): string {
  const escaped = text.replace(NOT_ALLOWED, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  if (escaped.length <= max) return escaped;
  const cut = escaped.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
