/** Options of every domain error: the standard `cause`, plus whether trying again can help. */
export interface BridgeErrorOptions extends ErrorOptions {
  /**
   * True when the same operation may succeed if tried again (throttling, a timeout, a broker
   * that is still electing a leader). Defaults to false: an error is only worth retrying when
   * the code that raised it knows the failure is transient.
   */
  readonly retryable?: boolean;
}

/**
 * The root of every error the bridge raises on purpose. Callers branch on `retryable` rather
 * than on class names, so a new failure mode does not need every `catch` to learn it; the
 * subclasses carry the context that makes their message useful (route, field, operation).
 * Subclasses set `name` themselves: bundlers may rename classes, and logs should not.
 */
export class BridgeError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options: BridgeErrorOptions = {}) {
    // Only pass `cause` on when given, so an error without one has no `cause` property at all.
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'BridgeError';
    this.retryable = options.retryable ?? false;
  }
}

/**
 * What went wrong in a JSON.parse, without the text: V8's messages quote the input around the
 * problem (`Unexpected token 'x', "{"password":"x..." is not valid JSON`), which may be a secret
 * or a record's content. Keeps the position when the message has one.
 */
export function jsonSyntaxProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Unexpected end of JSON input/.test(message)) return 'unexpected end of JSON input';
  const at = /at position (\d+)/.exec(message)?.[1];
  return at === undefined ? 'invalid JSON' : `invalid JSON at position ${at}`;
}

/** A JSON.parse error's stand-in to keep as `cause`: its message is jsonSyntaxProblem's. */
export function jsonSyntaxError(error: unknown): SyntaxError {
  return new SyntaxError(jsonSyntaxProblem(error));
}
