import type { Kafka } from 'kafkajs';
import type { SecretReader } from '../aws/secrets.ts';
import { parseKafkaConfig } from '../config/parse.ts';
import type { KafkaConfig, KafkaConfigInput } from '../config/schema.ts';
import { BridgeError } from '../errors.ts';
import { createKafkaClient, type KafkaLogLevel, kafkaLogLevel } from '../kafka/client.ts';
import { IdempotentWriter, type OutgoingRecord, type WrittenRecord } from '../kafka/producer.ts';
import { TokenBucket } from '../rate-limit/index.ts';
import { type BackoffPolicy, RetryError, retry } from '../retry/index.ts';
import type { FailureAlert } from './alert.ts';
import { type Generation, Generations } from './generations.ts';
import { Turns } from './turns.ts';

/** The retry policy of one send: attempts in all, exponential backoff with full jitter between them. */
export interface ProducerRetryPolicy extends Partial<BackoffPolicy> {
  readonly attempts?: number;
}

/** A token bucket per partition: at most `perSecond` records a second, `burst` at once after a quiet spell. */
export interface PartitionRateLimit {
  readonly perSecond: number;
  readonly burst?: number;
}

export interface SentRecord extends WrittenRecord {
  readonly topic: string;
  readonly attempts: number;
  /** From send() to the broker's acknowledgement, waits included (ms). */
  readonly latencyMs: number;
}

export interface FailedSend {
  readonly topic: string;
  readonly key: OutgoingRecord['key'];
  readonly attempts: number;
  readonly error: Error;
}

/** Counters and timings of a producer (production latency, retries, rate-limit waits). */
export interface ProducerMetrics {
  count(name: 'sent' | 'failed' | 'retries' | 'rateLimitWaits', value: number): void;
  duration(name: 'latency' | 'rateLimitWait', ms: number): void;
}

export interface ProducerOptions {
  /** The cluster, as the bridge config's `kafka` section (auth included: SCRAM, mTLS, MSK IAM); required without `client`. */
  readonly kafka?: KafkaConfigInput;
  /** Reads the SCRAM or mTLS secret the config names. */
  readonly secrets?: SecretReader;
  readonly clientId?: string;
  /** kafkajs's own log lines (connection errors while a broker restarts, ...); 'warn' by default. */
  readonly kafkaLog?: KafkaLogLevel;
  readonly retry?: ProducerRetryPolicy;
  /** How long kafkajs's own retries of one attempt go on (a broker restart, a leader move); 30 s by default. */
  readonly kafkaRetryForMs?: number;
  readonly rateLimit?: PartitionRateLimit;
  readonly onSuccess?: (record: SentRecord) => void;
  readonly onFailure?: (failure: FailedSend) => void;
  /** A Discord alert when a record's retries are exhausted (through the notifier's client and limits). */
  readonly alert?: FailureAlert;
  readonly metrics?: ProducerMetrics;
  /** An existing client instead of one made from `kafka` (local mode's, tests'). */
  readonly client?: Kafka;
}

const DEFAULT_RETRY = { attempts: 5, baseMs: 200, maxMs: 10_000, jitter: 'full' } as const;
const noMetrics: ProducerMetrics = { count: () => undefined, duration: () => undefined };

/**
 * One producer API for teams (docs/producer.md): `send(topic, key, value, headers)` writes with
 * an idempotent producer (acks=all: no duplicate from a retry of a lost answer), one send at a
 * time per partition (turns.ts: sends to a partition land in the order they were made), retries with
 * exponential backoff and full jitter, waits for a per-partition token bucket, reports each
 * outcome to the callbacks and metrics, and posts a Discord alert when it gives up. Resolves
 * with where the record landed; rejects with the last error once the attempts are spent.
 */
export class BridgeProducer {
  readonly #o: ProducerOptions;
  readonly #retry: typeof DEFAULT_RETRY | (BackoffPolicy & { attempts: number });
  readonly #metrics: ProducerMetrics;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #turns = new Turns();
  readonly #generations = new Generations(() => this.#open());

  constructor(options: ProducerOptions) {
    this.#o = options;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#metrics = options.metrics ?? noMetrics;
  }

  async send(
    topic: string,
    key: OutgoingRecord['key'],
    value: OutgoingRecord['value'],
    headers: OutgoingRecord['headers'] = {},
  ): Promise<SentRecord> {
    const started = performance.now();
    let attempts = 0;
    let generation: Generation | undefined;
    let release: (() => void) | undefined;
    let partition = 0;
    try {
      const written = await retry(
        async () => {
          attempts += 1;
          if (attempts > 1) this.#metrics.count('retries', 1);
          if (release === undefined) {
            partition = await this.#partitionFor(topic, key);
            await this.#admit(topic, partition);
            release = await this.#turns.take(`${topic}/${partition}`);
          }
          // Joined in the partition's turn, so a send before it that gave up has retired its generation.
          generation ??= this.#generations.join();
          const writer = await generation.writer.catch((error: unknown) => {
            if (generation !== undefined) this.#generations.leave(generation);
            generation = undefined;
            throw error;
          });
          return writer.write(topic, partition, { key, value, headers });
        },
        { attempts: this.#retry.attempts, policy: this.#retry, shouldRetry: () => true },
      );
      const sent = { topic, ...written, attempts, latencyMs: performance.now() - started };
      this.#metrics.count('sent', 1);
      this.#metrics.duration('latency', sent.latencyMs);
      this.#o.onSuccess?.(sent);
      return sent;
    } catch (caught) {
      // A write may have landed without its answer: this producer id is not used again (Generations).
      if (generation !== undefined && release !== undefined) this.#generations.retire(generation);
      const error = caught instanceof RetryError ? caught.lastError : caught;
      const failure = {
        topic,
        key,
        attempts,
        error: error instanceof Error ? error : new Error(String(error)),
      };
      this.#metrics.count('failed', 1);
      this.#o.onFailure?.(failure);
      await this.#o.alert?.post(failure).catch(() => undefined);
      throw failure.error;
    } finally {
      release?.();
      if (generation !== undefined) this.#generations.leave(generation);
    }
  }

  close(): Promise<void> {
    return this.#generations.close();
  }

  async #partitionFor(topic: string, key: OutgoingRecord['key']): Promise<number> {
    const generation = this.#generations.join();
    try {
      return await (await generation.writer).partitionFor(topic, key);
    } finally {
      this.#generations.leave(generation);
    }
  }

  async #open(): Promise<IdempotentWriter> {
    const client =
      this.#o.client ??
      (await createKafkaClient(this.#config(), {
        ...(this.#o.secrets === undefined ? {} : { secrets: this.#o.secrets }),
        clientId: this.#o.clientId ?? 'kafka-endpoint-bridge-producer',
        logLevel: kafkaLogLevel(this.#o.kafkaLog ?? 'warn'),
      }));
    const retryForMs = this.#o.kafkaRetryForMs;
    const writer = new IdempotentWriter(client, retryForMs === undefined ? {} : { retryForMs });
    await writer.connect();
    return writer;
  }

  #config(): KafkaConfig {
    if (this.#o.kafka === undefined) throw new BridgeError('producer: give kafka (the cluster) or client');
    return parseKafkaConfig(this.#o.kafka);
  }

  /** Waits for a token of the partition's bucket. */
  async #admit(topic: string, partition: number): Promise<void> {
    const limit = this.#o.rateLimit;
    if (limit === undefined) return;
    const id = `${topic}/${partition}`;
    let bucket = this.#buckets.get(id);
    if (bucket === undefined) {
      bucket = new TokenBucket(limit.perSecond, limit.burst ?? Math.max(1, Math.ceil(limit.perSecond)));
      this.#buckets.set(id, bucket);
    }
    let waited = 0;
    while (!bucket.tryTake()) {
      const ms = bucket.msUntil();
      waited += ms;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    if (waited > 0) {
      this.#metrics.count('rateLimitWaits', 1);
      this.#metrics.duration('rateLimitWait', waited);
    }
  }
}
