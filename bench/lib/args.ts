// Benchmark parameters from the command line: `--name=value` (numbers), defaults otherwise.
// An unknown name or a value that is not a positive number is an error naming it.
export function numericArgs<T extends Record<string, number>>(defaults: T, argv = process.argv.slice(2)): T {
  const values: Record<string, number> = { ...defaults };
  for (const arg of argv) {
    const match = /^--([a-zA-Z]+)=(.+)$/.exec(arg);
    if (match === null)
      throw new Error(
        `bad argument ${JSON.stringify(arg)}: use --name=value (names: ${Object.keys(defaults).join(', ')})`,
      );
    const [, name = '', text = ''] = match;
    if (!(name in defaults))
      throw new Error(`unknown parameter --${name} (known: ${Object.keys(defaults).join(', ')})`);
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
    values[name] = value;
  }
  return values as T;
}

/**
 * Ends the process (exit 0) when BRIDGE_ARGS_CHECK=1: a script calls it right after parsing and
 * checking its arguments, before any work, so a test can check the arguments a doc shows
 * (test/e2e/doc-commands.test.ts) without running the benchmark.
 */
export function exitIfArgsCheck(env: NodeJS.ProcessEnv = process.env): void {
  if (env.BRIDGE_ARGS_CHECK === '1') process.exit(0);
}
