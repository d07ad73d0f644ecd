/**
 * Endpoint URL rules. Records often carry personal or business data, so they travel over TLS;
 * plain http:// is allowed only to the local machine, where the local runner's sample endpoints
 * live (a deployed stack allows no loopback host at all: deploy.ts). Credentials never go in the
 * URL: URLs end up in logs, metrics dimensions and CloudFormation templates, so secrets belong in
 * `headersSecret` (Secrets Manager).
 */

/** True for the hosts plain http:// may address: localhost, 127.0.0.0/8 and ::1. */
export function isLocalHost(hostname: string): boolean {
  // WHATWG URL parsing already normalised the host: `127.1` became `127.0.0.1`, IPv6 is bracketed.
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * True for every host that means "this machine" wherever the code runs: the local hosts, names
 * under `.localhost`, the unspecified addresses 0.0.0.0 and ::, and IPv4-mapped loopback
 * (`[::ffff:127.0.0.1]`, which WHATWG parsing writes `[::ffff:7f00:1]`). Takes a normalised host.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return (
    isLocalHost(host) ||
    host.endsWith('.localhost') ||
    host === '0.0.0.0' ||
    host === '[::]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host)
  );
}

/**
 * Query parameter names that carry a credential, compared in lower case without '-' and '_'
 * (`api_key`, `API-Key` and `apikey` alike): exact names, and names ending in one of the suffixes
 * (`access_token`, `client_secret`, `X-Amz-Signature`).
 */
const CREDENTIAL_PARAMS = new Set(['key', 'sig', 'auth', 'authorization', 'code', 'pass', 'pwd', 'jwt']);
const CREDENTIAL_SUFFIXES = [
  'token',
  'secret',
  'password',
  'passwd',
  'signature',
  'apikey',
  'accesskey',
  'privatekey',
  'credential',
  'credentials',
];

/** The first query parameter of `url` whose name says it carries a credential, or undefined. */
export function credentialQueryParam(url: URL): string | undefined {
  for (const name of url.searchParams.keys()) {
    const squashed = name.toLowerCase().replace(/[-_]/g, '');
    if (CREDENTIAL_PARAMS.has(squashed) || CREDENTIAL_SUFFIXES.some((suffix) => squashed.endsWith(suffix))) {
      return name;
    }
  }
  return undefined;
}

/**
 * Why `raw` is not an acceptable endpoint URL, or undefined when it is. The messages never
 * repeat the URL itself nor a query value, because a rejected URL may be one that carries a password.
 */
export function endpointUrlProblem(raw: string): string | undefined {
  const url = URL.parse(raw);
  if (url === null) return 'must be an absolute URL such as https://orders.example.com/kafka';
  if (url.username !== '' || url.password !== '') {
    return 'must not contain credentials (user:password@): put them in a header through headersSecret';
  }
  const param = credentialQueryParam(url);
  if (param !== undefined) {
    return `must not carry credentials in its query (parameter ${JSON.stringify(param)}): put them in a header through headersSecret`;
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
