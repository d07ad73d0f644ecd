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
