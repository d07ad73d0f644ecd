/**
 * The route poller's record stages before the envelope: decode, then filter. Both are optional
 * per route; a route without them pays nothing for them (the forwarding loop skips an absent
 * stage, it does not call an identity function per record).
 *
 * decode: `(record) => outcome`, synchronous or a promise (a schema registry lookup):
 * - `{ kind: 'decoded', decoded }`: goes on to the filter, with what the decoder made of it.
 * - `{ kind: 'dead-letter', reason, message }`: the record cannot ever be decoded (schema not
 *   found, bytes that do not decode). It must not hold up the partition, nor be dropped: it goes
 *   on to the envelope step marked `deadLetter`, so it reaches the deliverer in its key's order
 *   and is dead-lettered there (archive, DLQ, alert, quarantine: I1, I2, I7 kept in one place).
 * - `{ kind: 'hold', reason, retryAfterMs }`: a dependency (the registry) does not answer. The
 *   record is not skipped: what was prepared before it is sent, the partition is paused for
 *   `retryAfterMs` (pause reason `registry`, backpressure) and the record is fetched and
 *   decoded again after that. Never dead-lettered for this.
 *
 * filter: `(decoded) => boolean`, synchronous. False keeps the record from SQS; it counts as
 * finished for the contiguous commit (I4): the next forwarded record's `from` covers it, and a
 * filtered tail is committed by the poller itself (PartitionProgress.filteredTail).
 */
import type { KafkaMessage } from 'kafkajs';

/** A record as fetched, with its coordinates. */
export interface PolledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly message: KafkaMessage;
}

/** A record after the decode stage: the fetched record and what the decoder made of it, if anything. */
export interface DecodedRecord extends PolledRecord {
  readonly decoded?: {
    /** The value as JSON-ready data. */
    readonly value: unknown;
    /** The decoded key, when the route decodes keys too. */
    readonly key?: unknown;
    /** Which schema decoded it (registry id or version UUID), for the envelope. */
    readonly schema?: string;
  };
  /** Set when the decode stage said the record can never be decoded: the deliverer dead-letters it. */
  readonly deadLetter?: { readonly reason: string; readonly message: string };
}

export type DecodeOutcome =
  | { readonly kind: 'decoded'; readonly decoded: DecodedRecord }
  | { readonly kind: 'dead-letter'; readonly reason: string; readonly message: string }
  | { readonly kind: 'hold'; readonly reason: string; readonly retryAfterMs: number };

export type DecodeStage = (record: PolledRecord) => DecodeOutcome | Promise<DecodeOutcome>;

export type FilterStage = (record: DecodedRecord) => boolean;

export interface RouteStages {
  readonly decode?: DecodeStage;
  readonly filter?: FilterStage;
}

/** What the pipeline does with one record before its envelope. */
export type StageResult =
  | { readonly kind: 'forward'; readonly record: DecodedRecord }
  | { readonly kind: 'filtered' }
  | { readonly kind: 'hold'; readonly reason: string; readonly retryAfterMs: number };

/**
 * Runs the decode and filter stages over one record. Synchronous (no promise, no await) when
 * the route has no decode stage or its decoder answers synchronously.
 */
export function runStages(stages: RouteStages, record: PolledRecord): StageResult | Promise<StageResult> {
  const decode = stages.decode;
  if (decode === undefined) return afterDecode(stages, { kind: 'decoded', decoded: record }, record);
  const outcome = decode(record);
  return outcome instanceof Promise
    ? outcome.then((o) => afterDecode(stages, o, record))
    : afterDecode(stages, outcome, record);
}

function afterDecode(stages: RouteStages, outcome: DecodeOutcome, record: PolledRecord): StageResult {
  if (outcome.kind === 'hold') return outcome;
  if (outcome.kind === 'dead-letter') {
    // Not filtered: a record that cannot be decoded is never matched against the filter, nor lost.
    return {
      kind: 'forward',
      record: { ...record, deadLetter: { reason: outcome.reason, message: outcome.message } },
    };
  }
  if (stages.filter !== undefined && !stages.filter(outcome.decoded)) return FILTERED;
  return { kind: 'forward', record: outcome.decoded };
}

const FILTERED: StageResult = { kind: 'filtered' };
