import { EnvelopeError } from './errors.ts';
import { isValidSqsId, SQS_ID_MAX_LENGTH, sha256Base64url } from './sqs-id.ts';

/**
 * Which Kafka record of which route a message is about. The same record consumed by two routes
 * (fan-out) is two deliveries, so the route is part of the identity.
 */
export interface RecordRef {
  readonly route: string;
  readonly topic: string;
  readonly partition: number;
  /** Decimal int64 without sign or leading zeros: Kafka offsets exceed JS numbers' exact range. */
  readonly offset: string;
}

/** Kafka's largest offset (int64). */
const MAX_OFFSET = 9_223_372_036_854_775_807n;
/** Kafka partitions are int32. */
const MAX_PARTITION = 2_147_483_647;

const CANONICAL_DECIMAL = /^(?:0|[1-9]\d*)$/;
// Kafka itself allows only these characters in topic names, at most 249 of them, and not "." or "..".
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
// Route names travel in an HTTP header (the idempotency key) and in SQS ids: visible ASCII only.
// A route may contain '/': ids are parsed from the right, and topics cannot contain '/'.
const ROUTE = /^[\x21-\x7e]+$/;

/** Whether `offset` is an offset in canonical form (one spelling per offset, so ids compare as strings). */
export function isOffset(offset: string): boolean {
  return CANONICAL_DECIMAL.test(offset) && offset.length <= 19 && BigInt(offset) <= MAX_OFFSET;
}

export function isPartition(partition: number): boolean {
  return Number.isInteger(partition) && partition >= 0 && partition <= MAX_PARTITION;
}

export function isKafkaTopic(topic: string): boolean {
  return KAFKA_TOPIC.test(topic) && topic !== '.' && topic !== '..';
}

export function isRouteName(route: string): boolean {
  return ROUTE.test(route);
}

/** The reason `ref` cannot be turned into an id, or undefined when it can. */
function recordRefProblem(ref: RecordRef): string | undefined {
  if (!isRouteName(ref.route)) {
    return `route ${JSON.stringify(ref.route)} must be non-empty visible ASCII (no spaces)`;
  }
  if (!isKafkaTopic(ref.topic)) {
    return `topic ${JSON.stringify(ref.topic)} is not a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -)`;
  }
  if (!isPartition(ref.partition)) {
    return `partition ${String(ref.partition)} is not an integer from 0 to ${MAX_PARTITION}`;
  }
  if (!isOffset(ref.offset)) {
    return `offset ${JSON.stringify(ref.offset)} is not a decimal integer from 0 to ${MAX_OFFSET} without leading zeros`;
  }
  return undefined;
}

/**
 * `route/topic/partition/offset`: the idempotency key header sent to endpoints, the key of a
 * record in logs and archives, and what operators type into the CLI's `trace` command.
 * Throws EnvelopeError when a part could not be parsed back (see parseRecordId).
 */
export function recordId(ref: RecordRef): string {
  const problem = recordRefProblem(ref);
  if (problem !== undefined) throw new EnvelopeError(`cannot make a record id: ${problem}`);
  return `${ref.route}/${ref.topic}/${ref.partition}/${ref.offset}`;
}

/** The inverse of recordId. Throws EnvelopeError naming the part that is wrong. */
export function parseRecordId(id: string): RecordRef {
  const parts = id.split('/');
  if (parts.length < 4) {
    throw new EnvelopeError(
      `record id ${JSON.stringify(id)} must look like route/topic/partition/offset (found ${parts.length} part${parts.length === 1 ? '' : 's'})`,
    );
  }
  // Topic, partition and offset never contain '/', so they are the last three parts; the route is the rest.
  const offset = parts.pop() as string;
  const partitionText = parts.pop() as string;
  const topic = parts.pop() as string;
  const route = parts.join('/');
  if (!CANONICAL_DECIMAL.test(partitionText)) {
    throw new EnvelopeError(
      `record id ${JSON.stringify(id)}: partition ${JSON.stringify(partitionText)} is not a decimal integer without leading zeros`,
    );
  }
  const ref: RecordRef = { route, topic, partition: Number(partitionText), offset };
  const problem = recordRefProblem(ref);
  if (problem !== undefined) throw new EnvelopeError(`record id ${JSON.stringify(id)}: ${problem}`);
  return ref;
}

/**
 * The SQS MessageDeduplicationId of a record: its record id when SQS accepts that (the usual
 * case, and readable in the console), else a hashed form. Record ids are visible ASCII by
 * construction, so only length (long route or topic names) sends a record to the hashed form. A dedup id collision would make SQS
 * silently drop a *different* record, so the hashed form keeps the whole SHA-256 (43 chars) and
 * spends only the rest on a readable prefix. The hashed form ends in `~<hash>`, whose last '/'
 * part is never all digits, so it can never equal a plain record id.
 */
export function deduplicationId(ref: RecordRef): string {
  const id = recordId(ref);
  if (isValidSqsId(id)) return id;
  const hash = sha256Base64url(id);
  // Keep partition and offset whole (at most 31 chars): they are what an operator searches by.
  const tail = `/${ref.partition}/${ref.offset}`;
  const budget = SQS_ID_MAX_LENGTH - tail.length - 1 - hash.length;
  const head = `${ref.route}/${ref.topic}`.slice(0, budget);
  return `${head}${tail}~${hash}`;
}
