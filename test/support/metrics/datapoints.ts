/**
 * Metric datapoints as CloudWatch would store them, from what the runtime writes: the EMF lines
 * (CloudWatch embedded metric format) Powertools prints to stdout, which CloudWatch Logs turns
 * into metrics for Lambda and for the poller's awslogs stream alike. Each metric of a line is a
 * datapoint per dimension set of its directive (one series each), at the line's timestamp.
 */
export interface Datapoint {
  readonly namespace: string;
  readonly metric: string;
  /** The series' dimensions, names and values (exactly the set, nothing more). */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /**
   * `emf`: written by the bridge's own code. `vended`: a stand-in, written by the test runner,
   * for a metric AWS publishes itself (Lambda Errors, SQS queue depth and age; see vended.ts).
   */
  readonly origin: 'emf' | 'vended';
}

interface EmfDirective {
  readonly Namespace: string;
  readonly Dimensions: readonly (readonly string[])[];
  readonly Metrics: readonly { readonly Name: string }[];
}

/** The marker a vended stand-in line carries beside `_aws` (never set by Powertools). */
export const VENDED_MARKER = '_vendedStandIn';

/** The datapoints of one stdout line; a line that is not EMF has none. */
export function parseEmfLine(line: string): Datapoint[] {
  const text = line.trim();
  if (!text.startsWith('{') || !text.includes('"_aws"')) return [];
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = record._aws as { Timestamp?: number; CloudWatchMetrics?: EmfDirective[] } | undefined;
  if (aws?.CloudWatchMetrics === undefined) return [];
  const timestamp = Number(aws.Timestamp);
  const origin = record[VENDED_MARKER] === true ? 'vended' : 'emf';
  const out: Datapoint[] = [];
  for (const directive of aws.CloudWatchMetrics) {
    for (const set of directive.Dimensions) {
      const dimensions = Object.fromEntries(set.map((name) => [name, String(record[name])]));
      for (const { Name } of directive.Metrics) {
        const raw = record[Name];
        for (const value of Array.isArray(raw) ? raw : [raw]) {
          if (typeof value !== 'number') continue;
          out.push({ namespace: directive.Namespace, metric: Name, dimensions, value, timestamp, origin });
        }
      }
    }
  }
  return out;
}

/** Whether a datapoint belongs to a series: same namespace, name and exactly the same dimensions. */
export function inSeries(
  point: Datapoint,
  series: { namespace: string; metric: string; dimensions: Readonly<Record<string, string>> },
): boolean {
  if (point.namespace !== series.namespace || point.metric !== series.metric) return false;
  const a = Object.entries(point.dimensions).sort(([x], [y]) => x.localeCompare(y));
  const b = Object.entries(series.dimensions).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(a) === JSON.stringify(b);
}
