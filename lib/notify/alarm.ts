import { z } from 'zod';

/*
 * The JSON CloudWatch publishes to SNS when an alarm changes state (the `Message` of the SNS
 * notification). Documented fields are checked; unknown ones are dropped, not refused: AWS adds
 * fields over time and an alert must not be lost because of one. Metric-math alarms have
 * `Trigger.Metrics` instead of `Trigger.MetricName`/`Dimensions`.
 */

/** Alarm notifications spell dimensions `{ name, value }`; the API spells them `{ Name, Value }`. Accept both. */
const DimensionSchema = z
  .union([
    z.object({ name: z.string(), value: z.string() }),
    z.object({ Name: z.string(), Value: z.string() }),
  ])
  .transform((d) => ('name' in d ? { name: d.name, value: d.value } : { name: d.Name, value: d.Value }));

export const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

const MetricDataQuerySchema = z.object({
  Id: z.string().optional(),
  Expression: z.string().optional(),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
  MetricStat: z
    .object({
      Metric: z.object({
        Dimensions: z.array(DimensionSchema).optional(),
        MetricName: z.string().optional(),
        Namespace: z.string().optional(),
      }),
      Period: z.number().optional(),
      Stat: z.string().optional(),
    })
    .optional(),
});

const TriggerSchema = z.object({
  MetricName: z.string().nullish(),
  Namespace: z.string().nullish(),
  Statistic: z.string().nullish(),
  ExtendedStatistic: z.string().nullish(),
  Unit: z.string().nullish(),
  Dimensions: z.array(DimensionSchema).nullish(),
  Metrics: z.array(MetricDataQuerySchema).nullish(),
  Period: z.number().nullish(),
  EvaluationPeriods: z.number().nullish(),
  DatapointsToAlarm: z.number().nullish(),
  ComparisonOperator: z.string().nullish(),
  Threshold: z.number().nullish(),
  TreatMissingData: z.string().nullish(),
});

export const AlarmNotificationSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  AWSAccountId: z.string().nullish(),
  NewStateValue: z.enum(ALARM_STATES),
  NewStateReason: z.string(),
  StateChangeTime: z.string().nullish(),
  /** The region's long name ("US East (N. Virginia)"): the code is read from AlarmArn. */
  Region: z.string().nullish(),
  AlarmArn: z.string().nullish(),
  OldStateValue: z.enum(ALARM_STATES).nullish(),
  Trigger: TriggerSchema.nullish(),
});

export type AlarmNotification = z.output<typeof AlarmNotificationSchema>;
export type AlarmDimension = z.output<typeof DimensionSchema>;

/** Whether a parsed JSON value looks like an alarm notification at all (before validating it). */
export function looksLikeAlarm(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'AlarmName' in value && 'NewStateValue' in value;
}

/** Every dimension the alarm's metric(s) carry: the single metric's, or each metric of a math expression. */
export function alarmDimensions(alarm: AlarmNotification): AlarmDimension[] {
  const trigger = alarm.Trigger;
  if (trigger === null || trigger === undefined) return [];
  return [
    ...(trigger.Dimensions ?? []),
    ...(trigger.Metrics ?? []).flatMap((query) => query.MetricStat?.Metric.Dimensions ?? []),
  ];
}

/** Every metric name the alarm watches. */
export function alarmMetricNames(alarm: AlarmNotification): string[] {
  const trigger = alarm.Trigger;
  if (trigger === null || trigger === undefined) return [];
  const names = (trigger.Metrics ?? []).flatMap((query) => {
    const name = query.MetricStat?.Metric.MetricName;
    return name === undefined ? [] : [name];
  });
  return trigger.MetricName ? [trigger.MetricName, ...names] : names;
}

const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov']);
const REGION_CODE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** The region code and partition from `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`. */
export function alarmRegion(alarm: AlarmNotification): { partition: string; region: string } | undefined {
  const parts = (alarm.AlarmArn ?? '').split(':');
  const [arn, partition, service, region] = parts;
  if (arn !== 'arn' || service !== 'cloudwatch' || !partition || !region) return undefined;
  // Both become part of a link's host: only real partitions and region codes.
  if (!PARTITIONS.has(partition) || !REGION_CODE.test(region)) return undefined;
  return { partition, region };
}

/** The CloudWatch console page of the alarm, in the alarm's own region and partition. */
export function alarmConsoleUrl(alarm: AlarmNotification): string | undefined {
  const where = alarmRegion(alarm);
  if (where === undefined) return undefined;
  const { partition, region } = where;
  const host =
    partition === 'aws-cn'
      ? `${region}.console.amazonaws.cn`
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}`;
}

/**
 * The most recent datapoint quoted in the state reason ("... datapoints [5.0 (23/11/26
 * 09:00:00), 3.0 (...)] was greater than ..."), which is the only metric value an alarm
 * notification carries. Undefined when the reason quotes none (OK after missing data, a
 * manual set-alarm-state).
 */
export function latestDatapoint(reason: string): string | undefined {
  const list = /datapoints? \[([^\]]*)\]/.exec(reason)?.[1];
  const first = list?.split(/\),\s*/)[0]?.trim();
  if (first === undefined || first === '') return undefined;
  return first.endsWith(')') || !first.includes('(') ? first : `${first})`;
}

const OPERATORS: Readonly<Record<string, string>> = {
  GreaterThanOrEqualToThreshold: '>=',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  LessThanLowerThreshold: 'below the band',
  GreaterThanUpperThreshold: 'above the band',
};

/** "> 0 for 15 of 15 periods of 60 s": what breaching means for this alarm. */
export function describeThreshold(alarm: AlarmNotification): string | undefined {
  const trigger = alarm.Trigger;
  if (trigger === null || trigger === undefined) return undefined;
  const op = trigger.ComparisonOperator
    ? (OPERATORS[trigger.ComparisonOperator] ?? trigger.ComparisonOperator)
    : undefined;
  const threshold = trigger.Threshold ?? undefined;
  if (op === undefined && threshold === undefined) return undefined;
  const condition = [op, threshold].filter((part) => part !== undefined).join(' ');
  const periods = trigger.EvaluationPeriods ?? undefined;
  const period = trigger.Period ?? trigger.Metrics?.find((q) => q.MetricStat?.Period)?.MetricStat?.Period;
  if (periods === undefined) return condition;
  const datapoints = trigger.DatapointsToAlarm ?? periods;
  return `${condition} for ${datapoints} of ${periods} period${periods === 1 ? '' : 's'}${period === undefined ? '' : ` of ${period} s`}`;
}

/** "AWS/SQS ApproximateNumberOfMessagesVisible (Maximum)", or the math expression's label. */
export function describeMetric(alarm: AlarmNotification): string | undefined {
  const trigger = alarm.Trigger;
  if (trigger === null || trigger === undefined) return undefined;
  if (trigger.MetricName) {
    const stat = trigger.ExtendedStatistic ?? trigger.Statistic;
    return `${trigger.Namespace ? `${trigger.Namespace} ` : ''}${trigger.MetricName}${stat ? ` (${stat})` : ''}`;
  }
  const shown = trigger.Metrics?.find((query) => query.ReturnData !== false) ?? trigger.Metrics?.[0];
  if (shown === undefined) return undefined;
  const inputs = trigger.Metrics?.flatMap((q) =>
    q.MetricStat?.Metric.MetricName ? [q.MetricStat.Metric.MetricName] : [],
  );
  const label = shown.Label ?? shown.Expression ?? shown.MetricStat?.Metric.MetricName ?? shown.Id;
  const of = inputs !== undefined && inputs.length > 0 ? ` of ${[...new Set(inputs)].join(', ')}` : '';
  return `${label ?? 'metric math'}${shown.Expression && shown.Label ? ` = ${shown.Expression}` : ''}${of}`;
}
