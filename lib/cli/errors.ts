import { BridgeError } from '../errors.ts';

/**
 * An error the CLI prints as one line (no stack): its message says what went wrong and what to
 * do about it. Anything else that reaches the top is a bug and is printed with its stack.
 */
export class CliError extends BridgeError {
  /** The process exit code: 2 for a usage mistake, 1 for everything else. */
  readonly exitCode: number;

  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : {});
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A command line the CLI does not understand (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(`${message} (kafka-bridge --help lists the commands)`, { exitCode: 2 });
}
