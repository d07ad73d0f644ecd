// Broker restart mid-stream (issue 9). The shared broker on 9092 is never restarted (other tests
// use it): this file starts its own single-node broker (scripts/kafka.sh with KAFKA_INSTANCE, on
// ports 29092/29093 unless RELIABILITY_BROKER_PORT / RELIABILITY_CONTROLLER_PORT say otherwise),
// points every client of the run at it (KAFKA_BROKERS), stops it while the poller is forwarding
// and starts it again on the same log dirs, so the records and the groups' offsets survive.
// kafkajs reconnects; should the poller give up and exit instead, the test starts a new one at
// once as Fargate would restart the task, and says so (a second exit fails the test: a crash
// loop). The broker is stopped and wiped after the file, also when the test fails.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { finishRun, ReliabilityRun, reliabilityClients, until } from './harness.ts';

const run$ = promisify(execFile);
const PORT = process.env.RELIABILITY_BROKER_PORT ?? '29092';
const CONTROLLER_PORT = process.env.RELIABILITY_CONTROLLER_PORT ?? '29093';
const INSTANCE = 'reliability-restart';

/** scripts/kafka.sh for this file's own broker; resolves with the seconds it took. */
async function broker(command: 'start' | 'stop' | 'reset'): Promise<number> {
  const started = Date.now();
  try {
    await run$('bash', ['scripts/kafka.sh', command], {
      env: {
        ...process.env,
        KAFKA_INSTANCE: INSTANCE,
        KAFKA_PORT: PORT,
        KAFKA_CONTROLLER_PORT: CONTROLLER_PORT,
        // A broker boots in 12-25 s here, but well over a minute when the machine is overloaded.
        KAFKA_START_TIMEOUT: '150',
      },
      timeout: 180_000,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `scripts/kafka.sh ${command} (instance ${INSTANCE}) failed: ${stdout ?? ''}${stderr ?? ''}`,
      {
        cause: error,
      },
    );
  }
  return (Date.now() - started) / 1000;
}

// Registered before reliabilityClients(), so its reachability check already sees this broker.
before(
  async () => {
    await broker('start');
    process.env.KAFKA_BROKERS = `127.0.0.1:${PORT}`;
  },
  { timeout: 200_000 },
);
// Stop and wipe: the next run formats a fresh single-node cluster.
after(() => broker('reset'), { timeout: 200_000 });

const clients = reliabilityClients();

test('broker stopped and started again mid-stream: the poller rides through, nothing lost, order kept', {
  timeout: 300_000,
}, async () => {
  const run = await ReliabilityRun.create(clients(), { partitions: 3, route: { maxInFlight: 40 } });
  const events: string[] = [];
  let finished = false;
  try {
    run.script = () => ({ status: 200, body: 'ok', delayMs: 5 });
    await run.produce(150, 30);
    run.startConsumers();
    // A poller that exits by itself is replaced at once, as Fargate restarts the task; each
    // exit is reported, and more than one fails the test (a crash loop).
    const exits: string[] = [];
    let replacing: Promise<void> = Promise.resolve();
    const startPoller = async (): Promise<void> => {
      const child: ChildProcess = await run.spawnPoller({ sampleInFlight: true });
      child.once('exit', (code, signal) => {
        if (finished || signal !== null) return;
        exits.push(`poller ${child.pid} exited ${code}`);
        replacing = startPoller().catch((error: unknown) => {
          run.problems.push(`replacing the poller failed: ${String(error)}`);
        });
      });
    };
    await startPoller();
    await until('40 requests', () => run.endpoint.received.length >= 40, 40_000, run);

    const stoppedAt = run.endpoint.received.length;
    const down = await broker('stop');
    const up = await broker('start');
    events.push(
      `broker stopped at ${stoppedAt} requests (${down.toFixed(1)} s) and started again (${up.toFixed(1)} s)`,
    );
    assert.ok(stoppedAt < 150, 'the broker stopped mid-stream');
    // More records after the restart: the poller must fetch again, not just finish what it had.
    await run.produce(60, 30);
    // While the broker is down the commit function cannot reach it, and fails until it is back.
    const report = await finishRun(run, 'broker restart mid-stream', 60_000, {
      allowProblems: [/^commit failed: kafka: /],
    });
    finished = true;
    await replacing;
    if (exits.length > 0) events.push(`the poller exited and was started again: ${exits.join(', ')}`);
    console.log(`[reliability] broker restart: ${events.join('; ')}`);
    assert.equal(report.produced, 210);
    assert.equal(report.delivered, 210);
    assert.equal(report.unfinished, 0);
    assert.equal(report.inFlightExceeded, 0, `in-flight max ${report.maxInFlightSeen} over 40`);
    // The deliverer neither crashed nor timed out: a broker restart repeats no request.
    assert.deepEqual(report.duplicateDetails, []);
    assert.ok(exits.length <= 1, `the poller exited ${exits.length} times: ${run.problems.join('\n')}`);
  } finally {
    finished = true;
    await run.stop();
  }
});
