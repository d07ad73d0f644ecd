/**
 * The poller's metrics in Prometheus text exposition format (version 0.0.4), served on the health
 * port at GET /metrics (functions/poller.ts). Pure: RoutePoller.status() in, text out.
 *
 * Names are docs/architecture.md's metric names with every character Prometheus does not allow replaced by
 * `_` (`mps.buffer.size` → `mps_buffer_size`); counters end in `_total`. Per route: heartbeat and
 * poll count; per route, topic and partition: records forwarded, in flight, paused (one series per
 * reason, 0 or 1), next and committed offset, lost records. Offsets are written as the decimal
 * strings the status holds (Prometheus reads them as float64: exact up to 2^53).
 */
import { METRIC } from '../runtime/contract.ts';
import type { PauseReason, RouteStatus } from './owned.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const PAUSE_REASONS: readonly PauseReason[] = ['positioning', 'in-flight', 'rate', 'registry'];

type Labels = readonly (readonly [name: string, value: string])[];

interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly samples: readonly { readonly labels: Labels; readonly value: string }[];
}

/** A metric name Prometheus accepts: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export function prometheusName(name: string): string {
  const sanitised = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(sanitised) ? `_${sanitised}` : sanitised;
}

/** A label value inside double quotes: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function sampleLine(name: string, labels: Labels, value: string): string {
  if (labels.length === 0) return `${name} ${value}`;
  const pairs = labels.map(([label, text]) => `${label}="${escapeLabelValue(text)}"`).join(',');
  return `${name}{${pairs}} ${value}`;
}

/**
 * Records forwarded per route since the process started, for the `mps_reader_poll_count_total`
 * counter. RoutePoller's per-partition counts restart when a partition is assigned again; this
 * adds up what each observation shows as new, so the route's total only goes up. A partition
 * that left and came back between two observations may be counted short (never double).
 */
export class ForwardedTotals {
  readonly #totals = new Map<string, number>();
  /** route → "topic/partition" → the partition's count at the last observation. */
  readonly #last = new Map<string, Map<string, number>>();

  observe(routes: readonly RouteStatus[]): ReadonlyMap<string, number> {
    for (const status of routes) {
      const before = this.#last.get(status.route) ?? new Map<string, number>();
      const now = new Map<string, number>();
      let added = 0;
      for (const p of status.partitions) {
        const key = `${p.topic}/${p.partition}`;
        const last = before.get(key);
        // A count below the last one restarted from zero: all of it is new.
        added += last === undefined || p.forwarded < last ? p.forwarded : p.forwarded - last;
        now.set(key, p.forwarded);
      }
      this.#last.set(status.route, now);
      this.#totals.set(status.route, (this.#totals.get(status.route) ?? 0) + added);
    }
    return this.#totals;
  }
}

export interface PrometheusInput {
  readonly routes: readonly RouteStatus[];
  /** Records forwarded per route since the process started (ForwardedTotals). */
  readonly forwardedTotals: ReadonlyMap<string, number>;
}

/** The exposition text: one HELP and TYPE line per family, then its samples; ends with a newline. */
export function prometheusText(input: PrometheusInput): string {
  const { routes } = input;
  const perRoute = (value: (status: RouteStatus) => string) =>
    routes.map((status) => ({ labels: [['route', status.route]] as Labels, value: value(status) }));
  const partitions = routes.flatMap((status) =>
    status.partitions.map((p) => ({
      p,
      labels: [
        ['route', status.route],
        ['topic', p.topic],
        ['partition', String(p.partition)],
      ] as Labels,
    })),
  );

  const families: Family[] = [
    {
      name: prometheusName(METRIC.pollerHeartbeat),
      type: 'gauge',
      help: '1 while the route poller runs, 0 when it stopped.',
      samples: perRoute((status) => (status.running ? '1' : '0')),
    },
    {
      name: `${prometheusName(METRIC.pollCount)}_total`,
      type: 'counter',
      help: 'Records forwarded to the route queue since the poller process started.',
      samples: perRoute((status) => String(input.forwardedTotals.get(status.route) ?? 0)),
    },
    {
      name: 'mps_poller_forwarded_total',
      type: 'counter',
      help: 'Records forwarded from the partition since this poller was assigned it.',
      samples: partitions.map(({ p, labels }) => ({ labels, value: String(p.forwarded) })),
    },
    {
      name: prometheusName(METRIC.bufferSize),
      type: 'gauge',
      help: 'Records forwarded and not yet committed by the progress group (in flight).',
      samples: partitions.map(({ p, labels }) => ({ labels, value: String(p.inFlight) })),
    },
    {
      name: 'mps_poller_paused',
      type: 'gauge',
      help: 'Whether fetching the partition is paused for the reason (1) or not (0).',
      samples: partitions.flatMap(({ p, labels }) =>
        PAUSE_REASONS.map((reason) => ({
          labels: [...labels, ['reason', reason]] as Labels,
          value: p.paused.includes(reason) ? '1' : '0',
        })),
      ),
    },
    {
      name: 'mps_poller_next_offset',
      type: 'gauge',
      help: 'Offset of the next record to forward (absent while the partition is positioned).',
      samples: partitions.flatMap(({ p, labels }) =>
        p.next === undefined ? [] : [{ labels, value: p.next }],
      ),
    },
    {
      name: 'mps_poller_committed_offset',
      type: 'gauge',
      help: 'Committed offset of the progress group, as last read (absent while positioned).',
      samples: partitions.flatMap(({ p, labels }) =>
        p.committed === undefined ? [] : [{ labels, value: p.committed }],
      ),
    },
    {
      name: 'mps_poller_lost_total',
      type: 'counter',
      help: 'Records deleted from Kafka (retention) before they could be forwarded.',
      samples: partitions.map(({ p, labels }) => ({ labels, value: p.lost })),
    },
  ];

  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(sampleLine(family.name, sample.labels, sample.value));
  }
  return `${lines.join('\n')}\n`;
}
