/** Reading an HTTP answer: redirects and the excerpt of the body kept for the archive. */
import { EXCERPT_BYTES } from './target.ts';

/** 3xx answers: never followed, never success, whatever the route's response classes say. */
export function isRedirect(status: number): boolean {
  return status >= 300 && status <= 399;
}

/** Where a redirect pointed, as an origin only: its path and query may carry tokens. */
export function locationOrigin(response: Response, base: string): string {
  const location = response.headers.get('location');
  if (location === null) return 'nowhere (no Location header)';
  const url = URL.parse(location, base);
  if (url === null) return 'an invalid Location';
  return url.origin === 'null' ? `a ${url.protocol} URL` : url.origin;
}

/** Up to `limit` bytes of the body; the rest is not read (the connection is released by cancelling). */
export async function readExcerpt(response: Response, limit = EXCERPT_BYTES): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut off mid-way still leaves the status, which is what classifies the answer;
    // the excerpt is informative only, so what was read so far is kept.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
