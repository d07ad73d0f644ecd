// The parent's side of bench/lib/endpoint-process.ts: start the endpoint process, collect what
// it saw, reset it between phases.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Arrival, ChildMessage, ParentMessage } from './endpoint-process.ts';

export type { Arrival } from './endpoint-process.ts';

export interface Collected {
  readonly arrivals: Arrival[];
  readonly requests: number;
}

export class BenchEndpoint {
  readonly url: string;
  readonly latencyMs: number;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, url: string, latencyMs: number) {
    this.#child = child;
    this.url = url;
    this.latencyMs = latencyMs;
  }

  /** An endpoint answering after `latencyMs`, 500 for every request of `failingKey` (if given). */
  static async start(latencyMs: number, failingKey = ''): Promise<BenchEndpoint> {
    const child = fork(fileURLToPath(new URL('./endpoint-process.ts', import.meta.url)), [
      String(latencyMs),
      failingKey,
    ]);
    const url = await new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) =>
        reject(new Error(`the endpoint process exited with ${code} before it was ready`)),
      );
      child.once('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve(message.url);
        else reject(new Error(`the endpoint process sent ${message.type} before ready`));
      });
    });
    child.removeAllListeners('exit');
    return new BenchEndpoint(child, url, latencyMs);
  }

  /** Records answered with success since the last reset (cheap: one number over IPC). */
  succeeded(): Promise<number> {
    return new Promise((resolve) => {
      const listener = (message: ChildMessage) => {
        if (message.type !== 'count') return;
        this.#child.off('message', listener);
        resolve(message.succeeded);
      };
      this.#child.on('message', listener);
      this.#send({ type: 'count' });
    });
  }

  /** Every record the endpoint saw since the last reset. */
  collect(): Promise<Collected> {
    return new Promise((resolve) => {
      const listener = (message: ChildMessage) => {
        if (message.type !== 'arrivals') return;
        this.#child.off('message', listener);
        resolve({ arrivals: message.arrivals, requests: message.requests });
      };
      this.#child.on('message', listener);
      this.#send({ type: 'collect' });
    });
  }

  reset(): void {
    this.#send({ type: 'reset' });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#send({ type: 'stop' });
    await exited;
  }

  #send(message: ParentMessage): void {
    this.#child.send(message);
  }
}
