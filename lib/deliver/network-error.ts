/**
 * fetch (undici) error text reduced to a safe class before it is stored anywhere. The raw
 * message can quote what was sent (an invalid header's value, which may be a secret) or what a
 * hostile peer answered; the class and the error code are all the logs, the attempt log, the
 * archive, the DLQ `bridge-reason` and Discord ever get.
 */
const CLASSES: readonly [RegExp, string][] = [
  [/^ECONNREFUSED$/, 'connection refused'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED)$/, 'connection reset or closed'],
  [/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/, 'timeout'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)$/, 'DNS lookup failed'],
  [/^(EHOSTUNREACH|ENETUNREACH|ENETDOWN|EHOSTDOWN)$/, 'host unreachable'],
  [/CERT|TLS|SSL|UNABLE_TO_VERIFY|SELF_SIGNED|ERR_OSSL/, 'TLS error'],
  [/^(HPE_|UND_ERR_INFO|UND_ERR_RES|UND_ERR_HEADERS_OVERFLOW|UND_ERR_RESPONSE)/, 'invalid HTTP response'],
  [/^(UND_ERR_INVALID_ARG|ERR_INVALID_HTTP_TOKEN|ERR_INVALID_CHAR|ERR_INVALID_ARG)/, 'invalid header'],
];

/** An error code is shown only when it looks like one (letters, digits, underscores). */
const CODE = /^[A-Z][A-Z0-9_]{1,40}$/;

function codeOf(error: unknown): string | undefined {
  // undici wraps the socket's error: fetch failed -> cause (may itself have a cause).
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if ('code' in current && typeof current.code === 'string' && CODE.test(current.code)) return current.code;
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

/** `connection refused (ECONNREFUSED)`, `TLS error (CERT_HAS_EXPIRED)`, `invalid header`, ... */
export function networkErrorClass(error: unknown): string {
  const code = codeOf(error);
  if (code !== undefined) {
    const match = CLASSES.find(([pattern]) => pattern.test(code));
    return `${match?.[1] ?? 'network error'} (${code})`;
  }
  // fetch rejects a request it cannot build (a bad header name or value) with a bare TypeError.
  const cause = error instanceof Error ? error.cause : undefined;
  if (error instanceof TypeError && cause === undefined)
    return 'invalid request (a header or the body fetch refused)';
  return 'network error';
}
