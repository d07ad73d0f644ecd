import { createInterface } from 'node:readline/promises';
import { CliError } from './errors.ts';

/** Asks a yes/no question; absent when there is no terminal to ask on (CI, a pipe). */
export type Confirm = (question: string) => Promise<boolean>;

/**
 * Goes on only when the operator agreed: `--yes`, or a "y" typed at the prompt. Without a
 * terminal and without `--yes` it refuses, so a script never replays or resets by accident.
 */
export async function requireConfirmation(
  what: string,
  yes: boolean,
  confirm: Confirm | undefined,
): Promise<void> {
  if (yes) return;
  if (confirm === undefined) {
    throw new CliError(
      `${what}: pass --yes to confirm (there is no terminal to ask on); --dry-run shows what it would do`,
      { exitCode: 2 },
    );
  }
  if (!(await confirm(`${what}. Go on? [y/N] `))) throw new CliError('cancelled: nothing was changed');
}

/** The process's confirmation: a prompt on stderr when stdin is a terminal, else none. */
export function terminalConfirm(): Confirm | undefined {
  if (process.stdin.isTTY !== true) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(question)).trim());
    } finally {
      rl.close();
    }
  };
}
