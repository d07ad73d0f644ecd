import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Message, Partitioners, type PartitionMetadata } from 'kafkajs';
import type { Route } from '../config/index.ts';
import type { Command } from './command.ts';
import type { CliContext } from './context.ts';
import { CliError, usageError } from './errors.ts';
import type { CliIo } from './main.ts';

/*
 * `kafka-bridge produce`: a team's own records onto a route's topic, to try a route in local
 * mode (or a test cluster) before its producers exist. One record a line, in either form:
 *
 *   {"key": "customer-7", "value": {"orderId": 1}, "headers": {"source": "test"}}
 *   customer-7<TAB>{"orderId": 1}
 *
 * A JSON line is an object with `value` (a string is sent as is, anything else as its JSON
 * text), `key` (a string, or null/absent for none) and `headers` (strings) optional. Any other
 * line is `key<TAB>value`, both sent as they are. Empty lines are skipped. Every line is read
 * and checked before the first record is sent, so a bad file sends nothing.
 */

export interface ProducedPartition {
  readonly partition: number;
  readonly first: string;
  readonly last: string;
  readonly count: number;
}

export interface ProduceResult {
  readonly route: string;
  readonly topic: string;
  readonly produced: number;
  readonly partitions: readonly ProducedPartition[];
}

const BATCH = 100;

/** The records of `text` (JSON lines or key<TAB>value); `source` names the input in errors. */
export function parseRecords(text: string, source: string): Message[] {
  const messages: Message[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    messages.push(parseLine(line, `${source} line ${index + 1}`));
  });
  if (messages.length === 0)
    throw new CliError(`${source} holds no record (one a line: JSON or key<TAB>value)`);
  return messages;
}

function parseLine(line: string, where: string): Message {
  if (line.trimStart().startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new CliError(
        `${where} is not valid JSON (${(error as Error).message}); a line is {"key": ..., "value": ...} or key<TAB>value`,
      );
    }
    return fromJson(value as Record<string, unknown>, where);
  }
  const tab = line.indexOf('\t');
  if (tab === -1) {
    throw new CliError(
      `${where} is neither a JSON object {"key": ..., "value": ...} nor key<TAB>value (no tab in it)`,
    );
  }
  return { key: line.slice(0, tab), value: line.slice(tab + 1) };
}

function fromJson(object: Record<string, unknown>, where: string): Message {
  const unknown = Object.keys(object).filter((name) => !['key', 'value', 'headers'].includes(name));
  if (unknown.length > 0 || !('value' in object)) {
    throw new CliError(
      `${where}: a JSON line is {"key": ..., "value": ..., "headers": {...}}${unknown.length > 0 ? `, not ${unknown.map((n) => JSON.stringify(n)).join(', ')}` : ' (value is missing)'}`,
    );
  }
  const { key, value, headers } = object;
  if (key !== undefined && key !== null && typeof key !== 'string') {
    throw new CliError(`${where}: key must be a string or null, got ${JSON.stringify(key)}`);
  }
  const headerMap: Record<string, string> = {};
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
      throw new CliError(`${where}: headers must be an object of strings`);
    }
    for (const [name, text] of Object.entries(headers)) {
      if (typeof text !== 'string') throw new CliError(`${where}: header ${name} must be a string`);
      headerMap[name] = text;
    }
  }
  return {
    key: typeof key === 'string' ? key : null,
    value: value === null ? null : typeof value === 'string' ? value : JSON.stringify(value),
    ...(headers === undefined ? {} : { headers: headerMap }),
  };
}

/** The topic to produce to: the route's only topic, or the one `--topic` names among them. */
export function topicOf(route: Route, topic: string | undefined): string {
  if (topic !== undefined) {
    if (route.topics.includes(topic)) return topic;
    throw usageError(
      `route ${route.name} does not read topic ${topic} (its topics: ${route.topics.join(', ')})`,
    );
  }
  const [only, ...more] = route.topics;
  if (only === undefined || more.length > 0) {
    throw usageError(`route ${route.name} reads ${route.topics.join(', ')}: say which with --topic`);
  }
  return only;
}

/**
 * Sends the records, `perSecond` a second (0: as fast as the broker takes them), all replicas
 * acknowledging. Each record's partition is chosen up front by kafkajs's default (Java-compatible)
 * partitioner, so the offsets each partition got are known exactly and can be printed.
 */
export async function produce(
  ctx: CliContext,
  route: Route,
  topic: string,
  messages: readonly Message[],
  perSecond: number,
): Promise<ProduceResult> {
  const byPartition = new Map<number, { first: bigint; last: bigint; count: number }>();
  await ctx.withKafka(async (kafka) => {
    const admin = kafka.admin();
    await admin.connect();
    let partitionMetadata: PartitionMetadata[];
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      partitionMetadata = metadata.topics[0]?.partitions ?? [];
    } finally {
      await admin.disconnect();
    }
    const partitioner = Partitioners.DefaultPartitioner();
    const placed = messages.map((message) => ({
      ...message,
      partition: partitioner({ topic, partitionMetadata, message: { ...message } }),
    }));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const started = Date.now();
      const size = perSecond > 0 ? Math.max(1, Math.min(BATCH, Math.ceil(perSecond / 10))) : BATCH;
      for (let sent = 0; sent < placed.length; ) {
        const batch = placed.slice(sent, sent + size);
        const answers = await producer.send({ topic, acks: -1, messages: batch });
        // One send's records of a partition are written contiguously from its base offset, in order.
        for (const answer of answers) {
          const count = batch.filter((m) => m.partition === answer.partition).length;
          const base = BigInt(answer.baseOffset ?? '0');
          const seen = byPartition.get(answer.partition);
          byPartition.set(answer.partition, {
            first: seen?.first ?? base,
            last: base + BigInt(count - 1),
            count: (seen?.count ?? 0) + count,
          });
        }
        sent += batch.length;
        if (perSecond > 0) {
          const wait = started + (sent / perSecond) * 1000 - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    } finally {
      await producer.disconnect();
    }
  });
  return {
    route: route.name,
    topic,
    produced: messages.length,
    partitions: [...byPartition.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partition, p]) => ({ partition, first: String(p.first), last: String(p.last), count: p.count })),
  };
}

/** Reads the records (whole, checked) and produces them to the route's topic. */
export async function produceCommand(
  ctx: CliContext,
  command: Extract<Command, { name: 'produce' }>,
  io: Pick<CliIo, 'stdin' | 'cwd'>,
): Promise<ProduceResult> {
  const route =
    command.route !== undefined
      ? ctx.route(command.route)
      : ctx.config.routes.length === 1
        ? ctx.route(ctx.config.routes[0]?.name ?? '')
        : undefined;
  if (route === undefined) throw usageError('produce needs --route <name> (the config has several routes)');
  const topic = topicOf(route, command.topic);
  const source = command.file ?? 'stdin';
  let text: string;
  try {
    text =
      command.file === undefined
        ? await readAll(io.stdin ?? process.stdin)
        : await readFile(resolve(io.cwd ?? process.cwd(), command.file), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${source}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return produce(ctx, route, topic, parseRecords(text, source), command.rate);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
