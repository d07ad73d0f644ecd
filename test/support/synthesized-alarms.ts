// The alarms the stack synthesizes, each as the SNS notification CloudWatch sends when it fires,
// so the notifier's alarm text and the runbook are checked against what ships rather than a
// copied list (test/unit/notify/synthesized-alarms.test.ts). Scaling alarms (their actions are
// Application Auto Scaling policies, never the alarm topic) are left out.
import { NestedStack, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { SynthesizedBridge } from '../unit/cdk/two-route-app.ts';

export interface SynthesizedAlarm {
  /** The route whose nested stack holds the alarm; undefined for the parent stack's. */
  readonly route: string | undefined;
  readonly logicalId: string;
  /** The notification's JSON, as SNS delivers it to the notifier. */
  readonly message: string;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
type Dimension = { Name: string; Value: unknown };
type Query = {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: {
    Metric: { MetricName: string; Namespace: string; Dimensions?: Dimension[] };
    Period: number;
    Stat: string;
  };
};

export function synthesizedAlarms(synth: SynthesizedBridge): SynthesizedAlarm[] {
  const stacks: [Stack, string | undefined][] = [[synth.stack, undefined]];
  for (const nested of synth.stack.node.findAll())
    if (nested instanceof NestedStack) stacks.push([nested, /^Route-(.+)$/.exec(nested.node.id)?.[1]]);
  return stacks.flatMap(([stack, route]) => alarmsOf(synth.templateOf(stack), stack.stackName, route));
}

function alarmsOf(template: Template, stackName: string, route: string | undefined): SynthesizedAlarm[] {
  const resources = template.toJSON().Resources as Resources;
  /** A dimension value as CloudWatch reports it: a queue's name, else a generated physical name. */
  const value = (raw: unknown): string => {
    if (typeof raw === 'string') return raw;
    const target = (raw as { Ref?: string }).Ref ?? (raw as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0];
    const props = target === undefined ? undefined : resources[target]?.Properties;
    const named = props?.QueueName ?? props?.FunctionName;
    return typeof named === 'string' ? named : `${stackName}-${target ?? 'value'}-1A2B3C4D5E6F`;
  };
  const dimensions = (list: Dimension[] | undefined) =>
    (list ?? []).map((d) => ({ value: value(d.Value), name: d.Name }));
  const isScaling = (action: unknown) =>
    resources[(action as { Ref?: string }).Ref ?? '']?.Type === 'AWS::ApplicationAutoScaling::ScalingPolicy';
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .filter(([, r]) => ((r.Properties?.AlarmActions ?? []) as unknown[]).some((action) => !isScaling(action)))
    .map(([logicalId, r]) => {
      const p = r.Properties ?? {};
      const name = typeof p.AlarmName === 'string' ? p.AlarmName : `${stackName}-${logicalId}-1A2B3C4D5E6F`;
      const metrics = p.Metrics as Query[] | undefined;
      const notification = {
        AlarmName: name,
        AlarmDescription: p.AlarmDescription,
        AWSAccountId: '123456789012',
        NewStateValue: 'ALARM',
        NewStateReason: `Threshold Crossed: 1 datapoint [3.0 (07/12/26 06:00:00)] was greater than the threshold (${p.Threshold}).`,
        StateChangeTime: '2026-12-07T06:01:12.345+0000',
        Region: 'EU (Ireland)',
        AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`,
        OldStateValue: 'OK',
        Trigger: {
          MetricName: p.MetricName,
          Namespace: p.Namespace,
          Statistic: typeof p.Statistic === 'string' ? p.Statistic.toUpperCase() : undefined,
          Dimensions: dimensions(p.Dimensions as Dimension[] | undefined),
          Period: p.Period,
          EvaluationPeriods: p.EvaluationPeriods,
          ComparisonOperator: p.ComparisonOperator,
          Threshold: p.Threshold,
          TreatMissingData: p.TreatMissingData,
          ...(metrics === undefined
            ? {}
            : {
                Metrics: metrics.map((q) => ({
                  Id: q.Id,
                  ReturnData: q.ReturnData ?? true,
                  ...(q.Expression === undefined ? {} : { Expression: q.Expression }),
                  ...(q.MetricStat === undefined
                    ? {}
                    : {
                        MetricStat: {
                          Metric: {
                            Dimensions: dimensions(q.MetricStat.Metric.Dimensions),
                            MetricName: q.MetricStat.Metric.MetricName,
                            Namespace: q.MetricStat.Metric.Namespace,
                          },
                          Period: q.MetricStat.Period,
                          Stat: q.MetricStat.Stat,
                        },
                      }),
                })),
              }),
        },
      };
      return { route, logicalId, message: JSON.stringify(notification) };
    });
}
