const REDACTED = '[redacted]';

/**
 * `text` with every trace of the webhook URL replaced: the whole URL, its path, and each long
 * path segment on its own (Discord's URL is /api/webhooks/<id>/<token>; the token alone is
 * enough to post). Applied to everything that leaves the client towards logs: HTTP error
 * bodies, network error messages.
 */
export function redactWebhook(text: string, webhookUrl: string): string {
  const url = URL.parse(webhookUrl);
  const secrets = new Set<string>([webhookUrl]);
  if (url !== null) {
    secrets.add(url.href);
    secrets.add(`${url.origin}${url.pathname}`);
    if (url.pathname.length > 1) secrets.add(url.pathname);
    for (const segment of url.pathname.split('/')) {
      // Short segments ("api", "webhooks") are not secret and would mangle ordinary words.
      if (segment.length >= 16) {
        secrets.add(segment);
        secrets.add(decodeURIComponent(segment));
      }
    }
    if (url.search.length > 1) secrets.add(url.search);
  }
  let result = text;
  // Longest first, so the URL goes as a whole rather than leaving its host behind.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') result = result.replaceAll(secret, REDACTED);
  }
  return result;
}
