import { deadLetterQueueName, queueName, type Route } from '../config/index.ts';
import { METRIC } from '../runtime/contract.ts';
import { type AlarmNotification, alarmDimensions, alarmMetricNames } from './alarm.ts';

/**
 * The alarms the stack creates (cdk/lib/route-resources.ts, cdk/lib/kafka-bridge.ts) and the
 * sections of docs/runbook.md that explain them. `anchor` is the GitHub heading anchor of the
 * section; a unit test checks that every anchor here exists in the runbook.
 */
export interface AlarmKind {
  readonly anchor: string;
  /** Shown in the embed title. */
  readonly title: string;
  /**
   * Construct ids and short names the alarm's name may contain. CDK-generated alarm names embed
   * the construct id (`...RouteordersDeadLetterQueueNotEmpty1A2B...`); compared without case
   * and punctuation, so `orders-dlq-not-empty` matches `dlqnotempty` too.
   */
  readonly names: readonly string[];
  /** Metric names that identify the alarm when its name does not. */
  readonly metrics: readonly string[];
}

export const ALARM_KINDS = [
  {
    anchor: 'dlq-not-empty',
    title: 'DLQ not empty',
    names: ['DeadLetterQueueNotEmpty', 'DlqNotEmpty'],
    metrics: [],
  },
  {
    anchor: 'oldest-message-age',
    title: 'Oldest message age',
    names: ['OldestMessageAge'],
    metrics: ['ApproximateAgeOfOldestMessage'],
  },
  {
    anchor: 'stuck-partition',
    title: 'Stuck partition',
    names: ['StuckPartition'],
    metrics: ['mps.commit.waiting'],
  },
  {
    anchor: 'commit-lag-rising',
    title: 'Commit lag rising',
    names: ['CommitLagRising'],
    metrics: ['mps.commit.lag'],
  },
  {
    anchor: 'failure-topic-writes-failed',
    title: 'Failure topic writes failed',
    names: ['DeadLetterTopicWriteFailed'],
    metrics: [METRIC.deadLetterTopicFailed],
  },
  {
    anchor: 'dlq-consumer-errors',
    title: 'DLQ consumer errors',
    names: ['DeadLetterErrors', 'DlqConsumerErrors'],
    metrics: [],
  },
  {
    anchor: 'deliver-errors',
    title: 'Deliver errors',
    names: ['DeliverErrors', 'DelivererErrors'],
    metrics: [],
  },
  {
    anchor: 'poller-heartbeat-missing',
    title: 'Poller heartbeat missing',
    names: ['PollerHeartbeatMissing', 'HeartbeatMissing'],
    metrics: [METRIC.pollerHeartbeat],
  },
  {
    anchor: 'schema-registry-unavailable',
    title: 'Schema registry unavailable',
    names: ['RegistryUnavailable'],
    metrics: [METRIC.pollerRegistryHeld],
  },
  {
    anchor: 'commit-errors',
    title: 'Commit errors',
    names: ['CommitErrors'],
    metrics: [],
  },
] as const satisfies readonly AlarmKind[];

/** An alarm the runbook has no section of its own for. */
export const OTHER_ALARM: AlarmKind = { anchor: 'other-alarms', title: 'Alarm', names: [], metrics: [] };

/** The runbook section of dead-letter summaries. */
export const DEAD_LETTER_ANCHOR = 'dead-letter-summaries';

/** Every anchor the notifier links to. */
export const RUNBOOK_ANCHORS: readonly string[] = [
  ...ALARM_KINDS.map((kind) => kind.anchor),
  OTHER_ALARM.anchor,
  DEAD_LETTER_ANCHOR,
];

const squash = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Which of the bridge's alarms this is: by name first (exact), then by the metrics it watches. */
export function alarmKind(alarm: AlarmNotification): AlarmKind {
  const name = squash(alarm.AlarmName);
  const byName = ALARM_KINDS.find((kind) => kind.names.some((candidate) => name.includes(squash(candidate))));
  if (byName !== undefined) return byName;
  const metrics = alarmMetricNames(alarm);
  // ALARM_KINDS lists StuckPartition before CommitLagRising: the stuck alarm watches the lag too.
  const byMetric = ALARM_KINDS.find((kind) =>
    kind.metrics.some((metric: string) => metrics.includes(metric)),
  );
  if (byMetric !== undefined) return byMetric;
  // SQS metrics of a dead-letter queue: the DLQ alarm whatever its name.
  const dlq = alarmDimensions(alarm).some((d) => d.name === 'QueueName' && d.value.endsWith('-dlq.fifo'));
  if (dlq && metrics.includes('ApproximateNumberOfMessagesVisible')) return ALARM_KINDS[0];
  return OTHER_ALARM;
}

/** The runbook link: `<base>/docs/runbook.md#<anchor>`, or the bare path when no base is configured. */
export function runbookUrl(anchor: string, baseUrl: string | undefined): string {
  const path = `docs/runbook.md#${anchor}`;
  if (baseUrl === undefined || baseUrl === '') return path;
  return `${baseUrl.replace(/\/+$/, '')}/${path}`;
}

/**
 * The route an alarm is about, from what the alarm itself carries, most reliable first:
 * 1. a `route` dimension (the bridge's own metrics: lag, heartbeat, stuck);
 * 2. a `QueueName` dimension that is one of a route's queues (SQS metrics);
 * 3. a description starting "Route <name>:" (every per-route alarm of the stack has one; it is
 *    the only clue of Lambda error alarms, whose FunctionName is generated).
 * Undefined for alarms of the bridge as a whole (the commit function's). A route dimension the
 * config does not know is still returned: it names the route better than nothing.
 */
export function alarmRoute(alarm: AlarmNotification, routes: readonly Route[]): string | undefined {
  const dimensions = alarmDimensions(alarm);
  // Only a route of the config: a dimension naming anything else is no route of this bridge.
  const byDimension = dimensions.find((d) => d.name === 'route')?.value;
  if (byDimension !== undefined && routes.some((r) => r.name === byDimension)) return byDimension;
  for (const d of dimensions) {
    if (d.name !== 'QueueName') continue;
    const route = routes.find((r) => queueName(r) === d.value || deadLetterQueueName(r) === d.value);
    if (route !== undefined) return route.name;
  }
  const described = /^Route ([a-z][a-z0-9-]*):/.exec(alarm.AlarmDescription ?? '')?.[1];
  if (described !== undefined && routes.some((r) => r.name === described)) return described;
  return undefined;
}
