/** Metric names of the notifier; every one is a count with the route as a dimension when known. */
export const NOTIFY_METRICS = {
  /** Discord messages accepted. */
  sent: 'notify.sent.count',
  /** Messages Discord did not take (after retries), or that had no usable webhook. */
  failure: 'notify.failure.count',
  /** Incoming messages that were neither an alarm nor a dead-letter event. */
  invalid: 'notify.invalid.count',
} as const;

export type NotifyMetricName = (typeof NOTIFY_METRICS)[keyof typeof NOTIFY_METRICS];

export interface NotifyMetrics {
  /** Adds `value` to a count; `route` undefined for bridge-wide alerts. */
  count(name: NotifyMetricName, value: number, route: string | undefined): void;
}

/** Structured logs; Powertools' Logger fits. Never given webhook URLs or payloads. */
export interface NotifyLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}
