import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { ARCHIVE_ACCESS, type Archive } from '../archive/archive.ts';
import type { ResourceAccess, RouteDataAccess } from '../aws/access.ts';
import { LEDGER_ACCESS, type Ledger } from '../completion/ledger.ts';
import { findFinished } from '../completion/lookup.ts';
import { COMPLETION_ACCESS, type CompletionStore } from '../completion/store.ts';
import type { Route } from '../config/index.ts';
import { type Envelope, recordId } from '../envelope/index.ts';
import { QUARANTINE_ACCESS, type QuarantineStore, quarantinesKeys } from '../quarantine/quarantine.ts';
import { coordinatesOf } from './coordinates.ts';
import { DEAD_LETTER_ATTRIBUTES, DEAD_LETTER_MARKER, DeadLetters } from './dead-letter.ts';
import type { DeadLetterEvents } from './dead-letter-events.ts';
import type { DeadLetterFacts, DeadLetterTopic } from './dead-letter-topic.ts';
import { forwardDeadLetter } from './forward-dead-letter.ts';
import {
  type DeliverLogger,
  type DeliverMetrics,
  METRICS,
  noMetrics,
  recordLogFields,
  silentLogger,
} from './observability.ts';
import { CLAIM_CHECK_READ_ACCESS } from './payload.ts';
import { decodeFor, groupIdOf, receiveCountOf } from './record-context.ts';

export { DEAD_LETTER_MARKER } from './dead-letter.ts';

/**
 * What sending a dead letter to the route's DLQ calls: the deliverer sends its own, the DLQ
 * consumer forwards what SQS redrove.
 */
export const DEAD_LETTER_QUEUE_ACCESS: ResourceAccess = { actions: ['sqs:SendMessage'] };

/**
 * What the DLQ consumer calls on the table and bucket: the record's completion wherever the
 * ledger keeps it (per-record item, entries, route state), its key's quarantine, the archive.
 */
export function redriveAccess(route: Route): RouteDataAccess {
  return {
    table: [
      COMPLETION_ACCESS.read,
      COMPLETION_ACCESS.write,
      LEDGER_ACCESS.readEntries,
      LEDGER_ACCESS.readState,
      ...(quarantinesKeys(route) ? [QUARANTINE_ACCESS.mark] : []),
    ],
    // The failure topic gets the value, read from its claim check when the poller made one.
    bucket: [ARCHIVE_ACCESS.write, ...(route.deadLetter === undefined ? [] : [CLAIM_CHECK_READ_ACCESS])],
  };
}

export interface RedriveConsumerOptions {
  readonly route: Route;
  readonly archive: Archive;
  /** Where this consumer writes its completions (per-record items: a rare path) and reads them. */
  readonly completions: CompletionStore;
  /** The completion ledger, to see whether the deliverer finished the record after all. */
  readonly ledger: Pick<Ledger, 'state' | 'entriesSince'>;
  readonly quarantine: QuarantineStore;
  readonly sqs: SQSClient;
  /**
   * Where to send the message after archiving it: the route's DLQ, when this consumer reads a
   * separate redrive queue; none when it reads the DLQ itself.
   */
  readonly forwardQueueUrl?: string;
  /** Where dead-letter events go for the notifier's summaries (I7). */
  readonly deadLetterEvents?: DeadLetterEvents;
  /** The route's failure topic (`deadLetter.kafkaTopic`): every dead letter is written there first. */
  readonly deadLetterTopic?: DeadLetterTopic;
  readonly metrics?: DeliverMetrics;
  readonly logger?: DeliverLogger;
  readonly now?: () => number;
}

export type RedriveOutcome = 'dead-lettered' | 'already-done' | 'malformed' | 'forwarded';

const REDRIVEN = 'redriven by SQS (maxReceiveCount): the deliverer crashed or timed out on it every time';

/**
 * The safety net behind SQS's own redrive (maxReceiveCount): a message lands here without the
 * deliverer having finished it when the deliverer crashed or timed out on it too often. Without
 * a completion its partition's commit would wait forever (docs/architecture.md I1, I4), so this
 * dead-letters it with the deliverer's own procedure (dead-letter.ts: archive, DLQ, quarantine
 * mark, event, completion 'dead-lettered'), unless a completion exists already (the deliverer
 * finished it after all, or sent it here itself: its dead letters carry the `bridge-archive`
 * attribute and are done).
 */
export class RedriveConsumer {
  readonly #o: RedriveConsumerOptions;
  readonly #log: DeliverLogger;
  readonly #deadLetters: DeadLetters;

  constructor(options: RedriveConsumerOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#deadLetters = new DeadLetters({
      route: options.route,
      sqs: options.sqs,
      archive: options.archive,
      quarantine: options.quarantine,
      ...(options.deadLetterEvents === undefined ? {} : { events: options.deadLetterEvents }),
      ...(options.forwardQueueUrl === undefined ? {} : { deadLetterQueueUrl: options.forwardQueueUrl }),
      metrics: options.metrics ?? noMetrics,
      logger: this.#log,
      now: options.now ?? Date.now,
    });
  }

  async process(record: SQSRecord): Promise<RedriveOutcome> {
    if (record.messageAttributes[DEAD_LETTER_MARKER] !== undefined) return this.#finished(record);
    const route = this.#o.route;
    const receiveCount = receiveCountOf(record);
    const ledger = this.#o.completions;
    const envelope = decodeFor(record, route.name);
    if (typeof envelope === 'string') {
      const coordinates = coordinatesOf(record.body, route.name);
      await this.#deadLetters.malformed({
        record,
        reason: `${REDRIVEN}; ${envelope}`,
        receiveCount,
        coordinates,
        ledger,
      });
      return 'malformed';
    }
    const id = recordId(envelope);
    const existing = await findFinished(this.#o.ledger, ledger, route.name, {
      topic: envelope.topic,
      partition: envelope.partition,
      from: BigInt(envelope.from),
      offset: BigInt(envelope.offset),
    });
    if (existing !== undefined) {
      this.#log.info('redriven record was completed already', {
        ...recordLogFields(id, envelope),
        status: existing.status,
      });
      return 'already-done';
    }
    await this.#toTopic(envelope, { route: route.name, reason: REDRIVEN, attempts: 0 });
    await this.#deadLetters.record({
      record,
      envelope,
      id,
      groupId: groupIdOf(record),
      receiveCount,
      reason: REDRIVEN,
      attempts: [],
      attemptCount: 0,
      ledger,
    });
    return 'dead-lettered';
  }

  /**
   * A dead letter the deliverer finished itself. Without a failure topic it is done (it sits
   * in the DLQ already). With one, the deliverer sent it here instead of the DLQ: it is written
   * to the topic, then sent on to the DLQ. A failed write throws, so the message stays here and
   * comes back; a malformed one (no record to write) goes straight on.
   */
  async #finished(record: SQSRecord): Promise<RedriveOutcome> {
    const topic = this.#o.deadLetterTopic;
    const forwardTo = this.#o.forwardQueueUrl;
    if (topic === undefined || forwardTo === undefined) return 'already-done';
    const route = this.#o.route;
    const envelope = decodeFor(record, route.name);
    if (typeof envelope !== 'string') {
      const attribute = (name: string) => record.messageAttributes[name]?.stringValue;
      await this.#toTopic(envelope, {
        route: route.name,
        reason: attribute(DEAD_LETTER_ATTRIBUTES.reason) ?? 'dead-lettered',
        attempts: Number(attribute(DEAD_LETTER_ATTRIBUTES.attempts) ?? 0),
      });
    }
    await forwardDeadLetter(this.#o.sqs, forwardTo, record);
    return 'forwarded';
  }

  /** Writes to the failure topic (when the route has one), counted and logged either way. */
  async #toTopic(envelope: Envelope, facts: DeadLetterFacts): Promise<void> {
    const topic = this.#o.deadLetterTopic;
    if (topic === undefined) return;
    const metrics = this.#o.metrics ?? noMetrics;
    try {
      await topic.write(envelope, facts);
    } catch (error) {
      metrics.count(METRICS.deadLetterTopicFailed, 1);
      this.#log.error('dead letter not written to the failure topic; it stays queued and comes back', {
        ...recordLogFields(recordId(envelope), envelope),
        kafkaTopic: topic.topic,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    metrics.count(METRICS.deadLetterTopicWritten, 1);
  }
}
