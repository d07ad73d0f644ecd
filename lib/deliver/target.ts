import type { Envelope } from '../envelope/index.ts';

/** What a target is given for one attempt. */
export interface DeliveryRequest {
  readonly envelope: Envelope;
  /** The record value (fetched from S3 for a claim check); null for a tombstone. */
  readonly payload: Buffer | null;
  /** `route/topic/partition/offset`: the idempotency key (docs/architecture.md I5). */
  readonly recordId: string;
  /** Aborted when the invocation runs out of time. */
  readonly signal?: AbortSignal;
}

/** The answer of a successful attempt. */
export interface DeliveryResponse {
  readonly status: number;
}

/**
 * A route's endpoint: an HTTP URL or a Lambda function. `deliver` resolves on an answer the
 * route counts as success and throws DeliveryError (retryable or not) otherwise; any other
 * error (a secret that cannot be read) is the bridge's own problem, not the record's.
 */
export interface Target {
  deliver(request: DeliveryRequest): Promise<DeliveryResponse>;
}

/** Answers are archived with at most this many bytes of their body. */
export const EXCERPT_BYTES = 4096;
