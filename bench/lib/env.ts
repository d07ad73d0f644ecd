// What every benchmark shares: where DynamoDB Local answers (and making local mode use it), the
// machine's facts for the record, and writing bench/results/<name>.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localEndpoints } from '../../lib/local/clients.ts';
import { assertReachable } from '../../test/support/aws.ts';
import { assertKafkaReachable } from '../../test/support/kafka.ts';
import { barChart, writeSvg } from './plot.ts';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/**
 * DynamoDB Local's URL when it answers (AWS_ENDPOINT_URL_DYNAMODB, else 127.0.0.1:DYNAMODB_PORT
 * or 8000), undefined otherwise. Any HTTP answer counts: an unsigned GET gets a 400 from it.
 */
export async function dynamoDbLocalUrl(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const configured = env.AWS_ENDPOINT_URL_DYNAMODB;
  const url =
    configured !== undefined && configured !== ''
      ? configured
      : `http://127.0.0.1:${env.DYNAMODB_PORT !== undefined && env.DYNAMODB_PORT !== '' ? env.DYNAMODB_PORT : '8000'}`;
  try {
    const answer = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await answer.arrayBuffer();
    return url;
  } catch (error) {
    console.error(
      `DynamoDB Local not answering at ${url}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

/**
 * Points local mode (lib/local/clients.ts reads AWS_ENDPOINT_URL_DYNAMODB) at DynamoDB Local when
 * it answers, before any client is made; moto otherwise. Returns which one, for the results.
 */
export async function useFastestDynamoDb(): Promise<'DynamoDB Local' | 'moto'> {
  const url = await dynamoDbLocalUrl();
  if (url === undefined) {
    console.error(
      'falling back to moto for DynamoDB: figures will be emulator-bound (see docs/benchmarks.md)',
    );
    return 'moto';
  }
  process.env.AWS_ENDPOINT_URL_DYNAMODB = url;
  return 'DynamoDB Local';
}

export interface MachineFacts {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly loadAverage1m: number;
  readonly date: string;
}

export function machineFacts(): MachineFacts {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    // The load when the run started: other work on the machine shows here.
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: new Date().toISOString(),
  };
}

/** Writes bench/results/<name>.json (with the load average at the end of the run) and returns its path. */
export async function writeResult(name: string, result: Record<string, unknown>): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  const loadAverage1mAtEnd = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  await writeFile(path, `${JSON.stringify({ ...result, loadAverage1mAtEnd }, null, 2)}\n`);
  console.log(`wrote ${path}`);
  return path;
}

export interface BenchSetup {
  readonly dynamodb: 'DynamoDB Local' | 'moto';
  readonly machine: MachineFacts;
}

/** What every delivery benchmark does first: pick the DynamoDB emulator, check everything answers. */
export async function prepareBench(): Promise<BenchSetup> {
  const dynamodb = await useFastestDynamoDb();
  const endpoints = localEndpoints();
  await assertReachable(endpoints.sqs, 'ElasticMQ (SQS)');
  await assertReachable(endpoints.aws, 'moto (S3)');
  await assertReachable(endpoints.dynamodb, 'DynamoDB');
  await assertKafkaReachable();
  return { dynamodb, machine: machineFacts() };
}

export interface Comparison {
  readonly title: string;
  readonly yLabel: string;
  /** The bars of each group, e.g. ['measured', 'bound']. */
  readonly seriesNames: readonly string[];
  readonly bridge: readonly number[];
  readonly partitionOrdered: readonly number[];
}

/** bench/results/<name>.svg: the bridge's bars next to the partition-ordered consumer's. */
export async function writeComparison(name: string, comparison: Comparison): Promise<string> {
  return writeSvg(
    join(RESULTS_DIR, `${name}.svg`),
    barChart({
      title: comparison.title,
      yLabel: comparison.yLabel,
      seriesNames: comparison.seriesNames,
      groups: [
        { label: 'bridge (per key)', values: comparison.bridge },
        { label: 'partition-ordered', values: comparison.partitionOrdered },
      ],
    }),
  );
}
