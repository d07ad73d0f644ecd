import type { Envelope } from '../envelope/index.ts';
import { METRIC } from '../runtime/contract.ts';
import { traceparentOf } from './http-target.ts';

/**
 * Metric names (docs/architecture.md, Operating it). Every metric carries the route as a dimension; the
 * function adapts these to Powertools Metrics (EMF), tests collect them in memory.
 */
export const METRICS = {
  /** Records the endpoint accepted. */
  success: 'mps.writer.success.count',
  /** Failed attempts (each one, retried or not). */
  failure: 'mps.writer.failure.count',
  /** Records dead-lettered (archived and sent to the DLQ). */
  deadLettered: 'mps.writer.dlq.count',
  /** Records parked behind a quarantined key. */
  parked: 'mps.writer.parked.count',
  /** Messages held back behind a failed message of their group in a batch. */
  skipped: 'mps.order.skipped.count',
  /** Records skipped because their completion already existed (a redelivery). */
  duplicate: 'mps.writer.duplicate.count',
  /** Messages sent back to the queue uncalled because the route's circuit breaker is open. */
  held: 'mps.breaker.held.count',
  /** Dead letters the DLQ consumer could not write to the route's failure topic (they stay queued). */
  deadLetterTopicFailed: METRIC.deadLetterTopicFailed,
  /** Dead letters written to the route's failure topic. */
  deadLetterTopicWritten: 'mps.dlq.topic.written.count',
  /** ms of one successful call to the endpoint. */
  latency: 'mps.writer.latency',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

export interface DeliverMetrics {
  /** Adds `value` to a count metric. */
  count(name: MetricName, value: number): void;
  /** Records a duration in ms. */
  duration(name: MetricName, ms: number): void;
}

/**
 * Structured logs: record ids, statuses and reasons, never payloads, bodies or secrets.
 * Powertools' Logger fits this shape.
 */
export interface DeliverLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export const silentLogger: DeliverLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export const noMetrics: DeliverMetrics = { count: () => undefined, duration: () => undefined };

/**
 * What every log line about a record carries: its id and, when its Kafka headers hold a valid
 * W3C `traceparent`, the trace id (the 32 hex digits of its second field).
 */
export function recordLogFields(id: string, envelope: Envelope): { recordId: string; traceId?: string } {
  const traceId = traceparentOf(envelope)?.split('-')[1];
  return traceId === undefined ? { recordId: id } : { recordId: id, traceId };
}
