import type { S3Client } from '@aws-sdk/client-s3';
import type { Envelope } from '../envelope/index.ts';
import { BridgeError } from '../errors.ts';
import type { OutgoingRecord } from '../kafka/producer.ts';
import { BridgeProducer, type ProducerOptions } from '../producer/producer.ts';
import { loadRecord } from './payload.ts';
import { PayloadError } from './payload-error.ts';

/**
 * The Kafka failure destination (`deadLetter.kafkaTopic`, docs/deliver.md): each dead letter is
 * written to the topic with the record's own key, value and headers, plus these headers, which
 * win over a record header of the same name.
 */
export const DEAD_LETTER_HEADERS = {
  route: 'bridge-route',
  reason: 'bridge-reason',
  attempts: 'bridge-attempts',
  topic: 'bridge-source-topic',
  partition: 'bridge-source-partition',
  offset: 'bridge-source-offset',
  /** Only when the value could not be read (a claim check object gone): why it is null. */
  valueUnavailable: 'bridge-value-unavailable',
} as const;

/** What writes one record: the producer API's send (lib/producer), or a fake in unit tests. */
export interface TopicSender {
  send(
    topic: string,
    key: OutgoingRecord['key'],
    value: OutgoingRecord['value'],
    headers: OutgoingRecord['headers'],
  ): Promise<unknown>;
}

/** What one dead letter carries besides its record. */
export interface DeadLetterFacts {
  readonly route: string;
  readonly reason: string;
  readonly attempts: number;
}

/** The record as written to the failure topic. */
export interface DeadLetterMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | string | (Buffer | string)[]>;
}

/** The record's key, value and headers (repeated names kept, a null header value as empty) plus the bridge's. */
export function deadLetterMessage(
  envelope: Envelope,
  value: Buffer | null,
  facts: DeadLetterFacts,
  valueProblem?: string,
): DeadLetterMessage {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, header] of envelope.headers) {
    const bytes = header ?? Buffer.alloc(0);
    const seen = headers[name];
    headers[name] = seen === undefined ? bytes : [...(Array.isArray(seen) ? seen : [seen]), bytes];
  }
  Object.assign(headers, {
    [DEAD_LETTER_HEADERS.route]: facts.route,
    [DEAD_LETTER_HEADERS.reason]: facts.reason,
    [DEAD_LETTER_HEADERS.attempts]: String(facts.attempts),
    [DEAD_LETTER_HEADERS.topic]: envelope.topic,
    [DEAD_LETTER_HEADERS.partition]: String(envelope.partition),
    [DEAD_LETTER_HEADERS.offset]: envelope.offset,
  });
  if (valueProblem !== undefined) headers[DEAD_LETTER_HEADERS.valueUnavailable] = valueProblem;
  return { key: envelope.key, value, headers };
}

/**
 * Writes dead letters to the route's failure topic. The record is read as the deliverer reads
 * it (claim checks from S3); a claim check that is gone is written with a null value and the
 * reason in `bridge-value-unavailable`. A write that fails throws a retryable BridgeError: the
 * message stays in its queue and comes back (docs/deliver.md), it is never dropped.
 */
export class DeadLetterTopic {
  readonly topic: string;
  readonly #sender: TopicSender;
  readonly #s3: S3Client;

  constructor(topic: string, sender: TopicSender, s3: S3Client) {
    this.topic = topic;
    this.#sender = sender;
    this.#s3 = s3;
  }

  async write(envelope: Envelope, facts: DeadLetterFacts): Promise<void> {
    let message: DeadLetterMessage;
    try {
      const loaded = await loadRecord(this.#s3, envelope);
      message = deadLetterMessage(loaded.envelope, loaded.payload, facts);
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      message = deadLetterMessage(envelope, null, facts, error.message);
    }
    try {
      await this.#sender.send(this.topic, message.key, message.value, message.headers);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BridgeError(
        `route ${facts.route}: cannot write the dead letter of ${envelope.topic}/${envelope.partition}/${envelope.offset} to Kafka topic ${this.topic}: ${reason}`,
        { cause: error, retryable: true },
      );
    }
  }
}

/**
 * Where the deliverer sends its dead letters: the DLQ, or with a failure topic the redrive
 * queue, whose consumer writes each to the topic before sending it on to the DLQ.
 */
export function deliverersDeadLetterQueue<Q>(
  route: { readonly deadLetter?: { readonly kafkaTopic: string } | undefined },
  queues: { readonly deadLetter: Q; readonly redrive: Q },
): Q {
  return route.deadLetter === undefined ? queues.deadLetter : queues.redrive;
}

/**
 * The DLQ consumer's writer of failure topics (functions/dlq.ts, local mode): the producer API
 * (lib/producer: idempotent, acks=all) with a few quick tries (200 ms to 2 s apart, kafkajs
 * retrying 5 s within each), well inside the function's minute; after them the message goes
 * back to its queue and comes again after the visibility timeout.
 */
export function deadLetterProducer(
  cluster: Pick<ProducerOptions, 'kafka' | 'secrets' | 'client' | 'kafkaLog'>,
): BridgeProducer {
  return new BridgeProducer({
    ...cluster,
    clientId: 'kafka-endpoint-bridge-dead-letters',
    retry: { attempts: 3, baseMs: 200, maxMs: 2_000 },
    kafkaRetryForMs: 5_000,
  });
}
