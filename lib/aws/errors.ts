/**
 * AWS SDK v3 errors say themselves whether trying again can help: `$retryable` is set on
 * throttling and transient errors, and `$fault: 'server'` marks the service's own failures.
 * Domain errors built at the SDK boundary copy that into `BridgeError.retryable`.
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const sdk = error as { $retryable?: unknown; $fault?: unknown; name?: unknown };
  if (sdk.$retryable !== undefined) return true;
  if (sdk.$fault === 'server') return true;
  // Network failures below the SDK (reset, refused, timeout) surface as plain errors with a code.
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(code);
}
