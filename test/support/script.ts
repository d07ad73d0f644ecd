// Runs a project script (scripts/*.sh) from a test, bounded: the promise settles when the script
// exits, even if a server it started still holds the pipes it inherited (node's execFile would
// wait for them to close, for as long as that server runs), and the script's whole process
// group is killed when it overruns. Its stderr (where the scripts say what went wrong and print
// the end of a server's log) is in the error, so it shows in the test's output.
import { spawn } from 'node:child_process';

export interface ScriptResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function runScript(
  script: string,
  args: readonly string[],
  options: { readonly timeoutMs: number; readonly env?: NodeJS.ProcessEnv },
): Promise<ScriptResult> {
  const child = spawn('bash', [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    // Its own process group, so an overrun kills what it started too.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const command = `${script} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      reject(new Error(`${command} did not end within ${options.timeoutMs} ms; its output:\n${stderr}`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not be run: ${error.message}`, { cause: error }));
    });
    // Settled on 'close' (every pipe read to its end) or, when a server it started keeps the
    // pipes open, a moment after 'exit': that server must not keep this waiting.
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const settle = () => {
      if (exit === undefined) return;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      if (exit.code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} failed (${exit.signal ?? `exit ${exit.code}`}):\n${stderr}`));
    };
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      setTimeout(settle, 1_000);
    });
    child.once('close', settle);
  });
}
