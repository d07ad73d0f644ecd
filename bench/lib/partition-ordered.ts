// The peer: a partition-ordered consumer, as Lambda's Kafka event source and Kafka Connect's
// HTTP sink work: each partition's records strictly one after another (one record in flight
// per partition), partitions in parallel up to the concurrency. It calls the endpoint through
// the bridge's own HttpTarget (same HTTP client, same envelope body) and, when a record keeps
// failing, retries it with the route's policy (the same attempts, backoff steps and full
// jitter, through lib/retry) before skipping it to a dead-letter list, like Kafka Connect's
// errors.tolerance=all with a dead-letter topic. Offsets are committed by kafkajs as usual.
import type { Consumer, KafkaMessage } from 'kafkajs';
import { SecretReader } from '../../lib/aws/secrets.ts';
import type { Route } from '../../lib/config/index.ts';
import { DeliveryError } from '../../lib/deliver/errors.ts';
import { HttpTarget } from '../../lib/deliver/http-target.ts';
import type { Envelope, KafkaHeader } from '../../lib/envelope/index.ts';
import { recordId } from '../../lib/envelope/index.ts';
import { RetryError, retry } from '../../lib/retry/index.ts';
import { secretsClient } from '../../test/support/aws.ts';
import { createKafka, uniqueName } from '../../test/support/kafka.ts';

export interface PartitionOrderedOptions {
  /** The route whose endpoint, responses and retry policy the consumer uses. */
  readonly route: Route;
  readonly topic: string;
  readonly partitions: number;
  /** Records in flight at most: min(partitions, concurrency), one per partition. */
  readonly concurrency: number;
}

export class PartitionOrderedConsumer {
  /** Record ids skipped after their attempts were spent. */
  readonly deadLetters: string[] = [];
  readonly #o: PartitionOrderedOptions;
  readonly #consumer: Consumer;
  readonly #target: HttpTarget;

  constructor(options: PartitionOrderedOptions) {
    this.#o = options;
    this.#consumer = createKafka('bench-partition-ordered').consumer({
      groupId: uniqueName('bench-po'),
      maxWaitTimeInMs: 100,
    });
    const endpoint = options.route.endpoint;
    if (endpoint.type !== 'http')
      throw new Error('PartitionOrderedConsumer: the route must have an HTTP endpoint');
    // The reader is never asked for a secret here (the bench endpoint has none).
    this.#target = new HttpTarget({
      endpoint,
      responses: options.route.responses,
      secrets: new SecretReader(secretsClient()),
    });
  }

  /** Joins its own group and consumes the topic from its beginning. */
  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#o.topic, fromBeginning: true });
    await this.#consumer.run({
      partitionsConsumedConcurrently: Math.max(1, Math.min(this.#o.partitions, this.#o.concurrency)),
      // eachMessage: kafkajs awaits each record before the next of its partition.
      eachMessage: async ({ topic, partition, message }) => this.#deliver(topic, partition, message),
    });
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }

  async #deliver(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const route = this.#o.route;
    const envelope: Envelope = {
      route: route.name,
      topic,
      partition,
      offset: message.offset,
      from: message.offset,
      timestamp: message.timestamp,
      key: message.key,
      headers: headersOf(message),
      value: message.value === null ? null : { inline: message.value },
    };
    const id = recordId(envelope);
    try {
      await retry(
        ({ signal }) =>
          this.#target.deliver({
            envelope,
            payload: message.value,
            recordId: id,
            ...(signal === undefined ? {} : { signal }),
          }),
        {
          attempts: route.retry.attempts,
          policy: { baseMs: route.retry.baseMs, maxMs: route.retry.maxMs, jitter: route.retry.jitter },
          shouldRetry: (error) => {
            if (!(error instanceof DeliveryError) || !error.retryable) return false;
            return error.retryAfterMs === undefined ? true : { afterMs: error.retryAfterMs };
          },
        },
      );
    } catch (error) {
      if (!(error instanceof RetryError)) throw error;
      this.deadLetters.push(id);
    }
  }
}

function headersOf(message: KafkaMessage): KafkaHeader[] {
  const headers: KafkaHeader[] = [];
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      headers.push([name, one === undefined ? null : Buffer.isBuffer(one) ? one : Buffer.from(one)]);
    }
  }
  return headers;
}
