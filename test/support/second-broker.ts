// A broker of a test's own (scripts/kafka.sh with KAFKA_INSTANCE): the shared broker on 9092 is
// never stopped, since other tests use it. The instance keeps its data across stop/start, and
// `reset` wipes it so the next run formats a fresh single-node cluster.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SecondBroker {
  readonly brokers: string[];
  /** Runs scripts/kafka.sh `command` for this instance; resolves with the seconds it took. */
  broker(command: 'start' | 'stop' | 'reset'): Promise<number>;
}

export function secondBroker(instance: string, port: number, controllerPort: number): SecondBroker {
  return {
    brokers: [`127.0.0.1:${port}`],
    async broker(command) {
      const started = Date.now();
      try {
        await run('bash', ['scripts/kafka.sh', command], {
          env: {
            ...process.env,
            KAFKA_INSTANCE: instance,
            KAFKA_PORT: String(port),
            KAFKA_CONTROLLER_PORT: String(controllerPort),
            // A broker boots in 12-25 s here, but well over a minute when the machine is overloaded.
            KAFKA_START_TIMEOUT: '150',
          },
          timeout: 180_000,
        });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        throw new Error(
          `scripts/kafka.sh ${command} (instance ${instance}) failed: ${stdout ?? ''}${stderr ?? ''}`,
          {
            cause: error,
          },
        );
      }
      return (Date.now() - started) / 1000;
    },
  };
}
