import { BridgeError } from '../errors.ts';

/**
 * A problem that stops local mode, with what to do about it. The runner prints the message
 * and the hint on one line each instead of a stack trace: a newcomer must be able to act on it.
 */
export class LocalModeError extends BridgeError {
  /** What to do, one line (a command to run, a flag to pass). */
  readonly hint: string;

  constructor(message: string, hint: string, options: { cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : {});
    this.name = 'LocalModeError';
    this.hint = hint;
  }
}
