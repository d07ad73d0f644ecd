/**
 * Every CloudWatch alarm of a synthesized cloud assembly (the parent template and its nested
 * stacks' templates, all `*.template.json` of a cdk.out), as alarm definitions the evaluator
 * (alarm-eval.ts) runs, with their dimension values resolved to the local names: a string as
 * it is, a function's `Ref` as the function's logical id (what the local runner calls it), a
 * queue's `QueueName` attribute as its QueueName property. Any other form throws, naming the
 * alarm, so a new kind of alarm cannot be skipped silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmDefinition, MetricStat, Query } from './alarm-eval.ts';

type Json = Record<string, unknown>;
interface Template {
  readonly Resources: Readonly<Record<string, { readonly Type: string; readonly Properties: Json }>>;
}

export interface TemplateAlarm extends AlarmDefinition {
  readonly logicalId: string;
  /** The template file (in the cdk.out) holding it. */
  readonly file: string;
  /** AlarmActions, OKActions and InsufficientDataActions as written in the template. */
  readonly actions: readonly unknown[];
}

function dimensionValue(value: unknown, template: Template, alarm: string): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  const ref = v.Ref as string | undefined;
  if (ref !== undefined && template.Resources[ref]?.Type === 'AWS::Lambda::Function') return ref;
  const att = v['Fn::GetAtt'] as [string, string] | undefined;
  const queue = att === undefined ? undefined : template.Resources[att[0]];
  if (
    att?.[1] === 'QueueName' &&
    queue?.Type === 'AWS::SQS::Queue' &&
    typeof queue.Properties.QueueName === 'string'
  )
    return queue.Properties.QueueName;
  throw new Error(`alarm ${alarm}: no local value for the dimension value ${JSON.stringify(value)}`);
}

function metricStat(
  metric: Json,
  stat: string,
  period: number,
  template: Template,
  alarm: string,
): MetricStat {
  const dimensions = (metric.Dimensions ?? []) as { Name: string; Value: unknown }[];
  return {
    namespace: String(metric.Namespace),
    metric: String(metric.MetricName),
    dimensions: Object.fromEntries(dimensions.map((d) => [d.Name, dimensionValue(d.Value, template, alarm)])),
    stat: stat as MetricStat['stat'],
    period,
  };
}

function definition(id: string, p: Json, template: Template): AlarmDefinition {
  const alarm = String(p.AlarmName ?? id);
  if (p.ExtendedStatistic !== undefined || p.ThresholdMetricId !== undefined)
    throw new Error(`alarm ${alarm}: extended statistics and anomaly bands are not modelled`);
  let queries: Query[];
  let period: number;
  if (p.Metrics !== undefined) {
    queries = (p.Metrics as Json[]).map((q) => {
      const stat = q.MetricStat as { Metric: Json; Stat: string; Period: number } | undefined;
      return {
        id: String(q.Id),
        returnData: q.ReturnData !== false,
        ...(stat === undefined
          ? {}
          : { metricStat: metricStat(stat.Metric, stat.Stat, stat.Period, template, alarm) }),
        ...(q.Expression === undefined ? {} : { expression: String(q.Expression) }),
      };
    });
    const periods = new Set(
      queries.flatMap((q) => (q.metricStat === undefined ? [] : [q.metricStat.period])),
    );
    if (periods.size !== 1)
      throw new Error(`alarm ${alarm}: its metrics have ${periods.size} periods, not 1`);
    [period] = [...periods] as [number];
  } else {
    period = Number(p.Period);
    queries = [
      { id: 'm', returnData: true, metricStat: metricStat(p, String(p.Statistic), period, template, alarm) },
    ];
  }
  const evaluationPeriods = Number(p.EvaluationPeriods);
  return {
    name: alarm,
    queries,
    period,
    threshold: Number(p.Threshold),
    comparison: p.ComparisonOperator as AlarmDefinition['comparison'],
    evaluationPeriods,
    datapointsToAlarm: Number(p.DatapointsToAlarm ?? evaluationPeriods),
    treatMissingData: (p.TreatMissingData ?? 'missing') as AlarmDefinition['treatMissingData'],
  };
}

/** The alarms of every template in `outdir`. */
export function templateAlarms(outdir: string): TemplateAlarm[] {
  const alarms: TemplateAlarm[] = [];
  for (const file of readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(outdir, file), 'utf8')) as Template;
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::CloudWatch::Alarm') continue;
      const p = resource.Properties;
      alarms.push({
        ...definition(logicalId, p, template),
        logicalId,
        file,
        actions: [
          ...((p.AlarmActions as unknown[]) ?? []),
          ...((p.OKActions as unknown[]) ?? []),
          ...((p.InsufficientDataActions as unknown[]) ?? []),
        ],
      });
    }
  }
  return alarms;
}
