// Plain fakes for the deliverer's steps: every door they go through records what it was asked.
import type { SQSRecord } from 'aws-lambda';
import type { ArchiveRecord } from '../../../lib/archive/archive.ts';
import type { Completion } from '../../../lib/completion/completion.ts';
import { EMPTY_STATE } from '../../../lib/completion/state.ts';
import { BatchLedger } from '../../../lib/deliver/batch-ledger.ts';
import type { DeadLetterEventInput } from '../../../lib/deliver/dead-letter-events.ts';
import type { DeliverLogger, DeliverMetrics } from '../../../lib/deliver/observability.ts';
import type { BatchState, RecordContext } from '../../../lib/deliver/record-context.ts';
import { RedriveConsumer, type RedriveConsumerOptions } from '../../../lib/deliver/redrive.ts';
import { type Envelope, encodeEnvelope, recordId } from '../../../lib/envelope/index.ts';
import type { QuarantineEntry } from '../../../lib/quarantine/quarantine.ts';

import { ordersRoute as routeWith } from '../../support/unit-route.ts';

export { routeWith };

export function envelopeAt(offset: number, from = offset, key = 'k1'): Envelope {
  return {
    route: 'orders',
    topic: 'orders',
    partition: 0,
    offset: String(offset),
    from: String(from),
    timestamp: '-1',
    key: Buffer.from(key),
    headers: [],
    value: { inline: Buffer.from('{"n":1}') },
  };
}

export function sqsRecord(body: string, groupId = 'k1', receiveCount = 1): SQSRecord {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    receiptHandle: 'rh',
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: groupId,
      MessageDeduplicationId: `d-${body.length}`,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders.fifo',
    awsRegion: 'us-east-1',
  };
}

export class Fakes {
  readonly sent: { input: Record<string, unknown> }[] = [];
  readonly archived: { key: string; record: ArchiveRecord }[] = [];
  readonly marked: { groupId: string; behind: string }[] = [];
  readonly events: DeadLetterEventInput[] = [];
  readonly completions: Completion[] = [];
  readonly counts = new Map<string, number>();
  /** The order in which the doors were used. */
  readonly steps: string[] = [];

  readonly sqs = {
    send: async (command: { input: unknown }) => {
      this.steps.push('sqs');
      this.sent.push({ input: command.input as Record<string, unknown> });
      return {};
    },
  };
  readonly archive = {
    bucket: 'archive-bucket',
    put: async (key: string, record: ArchiveRecord) => {
      this.steps.push('archive');
      this.archived.push({ key, record });
      return key;
    },
  };
  readonly quarantine = {
    mark: async (_route: string, groupId: string, behind: string, now: number): Promise<QuarantineEntry> => {
      this.steps.push('quarantine');
      this.marked.push({ groupId, behind });
      return { groupId, behind, since: now };
    },
  };
  readonly events$ = {
    publish: async (event: DeadLetterEventInput) => {
      this.steps.push('event');
      this.events.push(event);
    },
  };
  readonly ledger = {
    put: async (completion: Completion) => {
      this.steps.push('completion');
      this.completions.push(completion);
      return true;
    },
  };
  readonly metrics: DeliverMetrics = {
    count: (name, value) => this.counts.set(name, (this.counts.get(name) ?? 0) + value),
    duration: () => undefined,
  };
  /** What the code under test logged as warnings, with their fields. */
  readonly warnings: { message: string; details: unknown }[] = [];
  readonly logger: DeliverLogger = {
    info: () => undefined,
    warn: (message: string, details?: unknown) => {
      this.warnings.push({ message, details });
    },
    error: () => undefined,
  };

  batch(): BatchState {
    return {
      quarantined: new Map(),
      groupVisibility: new Map(),
      breaker: undefined,
      finished: new Map(),
      ledger: new BatchLedger(),
    };
  }

  context(envelope: Envelope, options: { receiveCount?: number; deadline?: number } = {}): RecordContext {
    const record = sqsRecord(encodeEnvelope(envelope), 'k1', options.receiveCount ?? 1);
    return {
      record,
      envelope,
      id: recordId(envelope),
      groupId: 'k1',
      receiveCount: options.receiveCount ?? 1,
      replayed: false,
      batch: this.batch(),
      ledger: this.ledger,
      deadline: options.deadline ?? Number.MAX_SAFE_INTEGER,
    };
  }

  /** A RedriveConsumer over these fakes (the route's, nothing completed yet), with `options` on top. */
  redriveConsumer(options: Partial<RedriveConsumerOptions> = {}): RedriveConsumer {
    return new RedriveConsumer({
      route: routeWith(),
      archive: this.archive as never,
      completions: { ...this.ledger, get: async () => undefined } as never,
      ledger: {
        state: async () => EMPTY_STATE,
        entriesSince: async () => ({ entries: [], truncated: false }),
      },
      quarantine: this.quarantine as never,
      sqs: this.sqs as never,
      forwardQueueUrl: 'dlq-url',
      ...options,
    });
  }
}
