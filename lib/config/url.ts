/**
 * Endpoint URL rules. Records often carry personal or business data, so they travel over TLS;
 * plain http:// is allowed only to the local machine, where the local runner's sample endpoints
 * live. Credentials never go in the URL: URLs end up in logs, metrics dimensions and CloudFormation
 * templates, so secrets belong in `headersSecret` (Secrets Manager).
 */

/** True for the hosts plain http:// may address: localhost, 127.0.0.0/8 and ::1. */
export function isLocalHost(hostname: string): boolean {
  // WHATWG URL parsing already normalised the host: `127.1` became `127.0.0.1`, IPv6 is bracketed.
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * Why `raw` is not an acceptable endpoint URL, or undefined when it is. The messages never
 * repeat the URL itself, because a rejected URL may be one that carries a password.
 */
export function endpointUrlProblem(raw: string): string | undefined {
  const url = URL.parse(raw);
  if (url === null) return 'must be an absolute URL such as https://orders.example.com/kafka';
  if (url.username !== '' || url.password !== '') {
    return 'must not contain credentials (user:password@): put them in a header through headersSecret';
  }
  // Port 0 is no port a server can listen on; the call would fail on every record.
  if (url.port === '0') return 'must not use port 0';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLocalHost(url.hostname)
      ? undefined
      : 'must use https://; http:// is allowed only to local hosts (localhost, 127.0.0.0/8, ::1) for local mode';
  }
  return `must use https:// (got ${url.protocol}//)`;
}
