// One poller process carrying many routes (docs/benchmarks.md, "Poller with many routes"): for
// 10, 50 and 200 routes (2 partitions each, no traffic) the shipped poller bundle is started
// with their config against the local broker and emulators, and this measures its start time
// (spawn until every route owns both partitions), idle CPU and RSS over a window, its broker
// connections, and the rebalance time when a second poller joins (until each owns one
// partition of every route). `npm run bench:poller-routes -- --idleSeconds=30 [--only=200]`.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { buildBundle } from '../cdk/lib/bundles.ts';
import { parseBridgeConfig } from '../lib/config/index.ts';
import { destroyClients, localClients } from '../lib/local/clients.ts';
import { provision } from '../lib/local/provision.ts';
import { emulatorEnv } from '../test/support/aws.ts';
import { createTopic, deleteTopics, kafkaBrokers, uniqueName } from '../test/support/kafka.ts';
import { exitIfArgsCheck, numericArgs } from './lib/args.ts';

const args = numericArgs({ idleSeconds: 30, partitions: 2, only: 0 });
// `--only=N`: one route count instead of the curve.
const COUNTS = args.only === 0 ? [10, 50, 200] : [args.only];
exitIfArgsCheck();
const root = new URL('..', import.meta.url).pathname;
const bundleDir = join(mkdtempSync(join(tmpdir(), 'poller-routes-')), 'poller');
buildBundle('poller', root, bundleDir);

interface Health {
  routes: { route: string; partitions: { partition: number }[] }[];
}

async function health(port: number): Promise<Health | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) });
    return (await response.json()) as Health;
  } catch {
    return undefined;
  }
}

/** Resolves with the health port once the poller logged it. */
function startPoller(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(bundleDir, 'index.mjs')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-20_000);
      const found = /"message":"health endpoint listening","port":(\d+)/.exec(out);
      if (found !== null) resolve({ child, port: Number(found[1]) });
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.once('exit', (code) => reject(new Error(`poller exited ${code}`)));
  });
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Date.now() - start;
}

/** CPU seconds (user + system) of a process, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

/** Established TCP connections of the process to the broker's port, from its socket inodes. */
function brokerConnections(pid: number, port: number): number {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return match === null ? [] : [match[1]];
      } catch {
        return [];
      }
    }),
  );
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[2]?.endsWith(`:${hexPort}`) && f[3] === '01' && inodes.has(f[9] ?? '')).length;
}

async function measure(count: number): Promise<Record<string, number>> {
  const run = uniqueName('pr');
  const names = Array.from({ length: count }, (_, i) => `${run}-${i}`.replaceAll('.', '-'));
  for (const name of names) await createTopic(name, args.partitions);
  const routes = names.map((name) => ({
    name,
    topics: [name],
    endpoint: { type: 'http', url: 'http://127.0.0.1:9/x' },
  }));
  const config = { kafka: { brokers: kafkaBrokers() }, routes };
  const clients = localClients();
  const provisioned = await provision(parseBridgeConfig(config), clients, {
    tableName: `${run}-t`,
    bucket: `${run}-b`,
  });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    BRIDGE_CONFIG_JSON: JSON.stringify(config),
    BRIDGE_PAYLOAD_BUCKET: provisioned.bucket,
    HEALTH_PORT: '0',
    SESSION_TIMEOUT_MS: '10000',
    REBALANCE_TIMEOUT_MS: '20000',
    ...emulatorEnv(),
  };
  const owned = async (port: number, each: number) => {
    const status = await health(port);
    return (
      status !== undefined &&
      status.routes.length === count &&
      status.routes.every((r) => r.partitions.length === each)
    );
  };
  const startedAt = Date.now();
  const first = await startPoller(env);
  await until(() => owned(first.port, args.partitions), 300_000, 'first poller owns every partition');
  const startMs = Date.now() - startedAt;
  const pid = first.child.pid ?? 0;
  const cpu0 = cpuSeconds(pid);
  await new Promise((resolve) => setTimeout(resolve, args.idleSeconds * 1000));
  const idleCpuPercent = ((cpuSeconds(pid) - cpu0) / args.idleSeconds) * 100;
  const rss = rssMiB(pid);
  const connections = brokerConnections(pid, Number((kafkaBrokers()[0] ?? ':9092').split(':')[1]));
  const joinedAt = Date.now();
  const second = await startPoller(env);
  const share = args.partitions / 2;
  await until(
    async () => (await owned(first.port, share)) && (await owned(second.port, share)),
    300_000,
    'the two pollers share every route',
  );
  const rebalanceMs = Date.now() - joinedAt;
  for (const child of [first.child, second.child]) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  for (const child of [first.child, second.child]) if (child.exitCode === null) child.kill('SIGKILL');
  for (const resources of provisioned.routes.values())
    for (const queue of [resources.queue, resources.redriveQueue, resources.deadLetterQueue])
      await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
  destroyClients(clients);
  await deleteTopics(names);
  return { routes: count, startMs, idleCpuPercent, rssMiB: rss, brokerConnections: connections, rebalanceMs };
}

/** The machine's load average at the end (the machine may be shared). */
function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

const results: Record<string, number>[] = [];
for (const count of COUNTS) {
  const result = await measure(count);
  console.log(JSON.stringify(result));
  results.push(result);
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'poller-routes.json'),
  `${JSON.stringify({ idleSeconds: args.idleSeconds, partitions: args.partitions, uptime: loadAverage(), results }, null, 2)}\n`,
);
