/**
 * The wire contract between the poller and the deliverer: what a record looks like in SQS
 * (envelope), which FIFO group and deduplication id it gets, how it is named (record id), and
 * when its value goes to S3 instead (size).
 */

export { endpointBody } from './endpoint-body.ts';
export {
  claimCheckProblem,
  decodeEnvelope,
  decodeRecordObject,
  ENVELOPE_VERSION,
  type Envelope,
  type EnvelopeValue,
  encodeEnvelope,
  encodeEnvelopeText,
  encodeRecordObject,
  type KafkaHeader,
  type RecordContent,
  resolveRecord,
  type S3Pointer,
} from './envelope.ts';
export { EnvelopeError } from './errors.ts';
export {
  DEAD_LETTER_DETAIL_MAX,
  type DeadLetterMark,
  type DecodedMark,
  type SchemaMark,
} from './marks.ts';
export {
  type MessageGroupInput,
  messageGroupId,
  type Ordering,
  SPREAD_GROUPS_PER_PARTITION,
} from './message-group.ts';
export {
  deduplicationId,
  isKafkaTopic,
  isOffset,
  isPartition,
  isRouteName,
  parseRecordId,
  type RecordRef,
  recordId,
} from './record-id.ts';
export {
  assertFitsSqs,
  base64Length,
  envelopeSize,
  inlineOverhead,
  inlineValueFits,
  messageAttributesSize,
  type Placement,
  placement,
  SQS_MAX_MESSAGE_BYTES,
  type SqsMessageAttribute,
  valuePlacement,
} from './size.ts';
export { isValidSqsId, SQS_ID_MAX_LENGTH, sha256Base64url } from './sqs-id.ts';
