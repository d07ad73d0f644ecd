/**
 * Records every metric the processes of a run write (EMF on stdout, see datapoints.ts): feed it
 * their stdout, one feeder per stream (lines may arrive split across chunks). The datapoints
 * are kept in memory and appended, one JSON line each, to a file under `.run/metrics/`, so a
 * run's metrics can be read after it.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Datapoint, parseEmfLine } from './datapoints.ts';

const RUN_DIR = new URL('../../../.run/metrics/', import.meta.url).pathname;

export class MetricRecorder {
  readonly datapoints: Datapoint[] = [];
  readonly file: string;

  /** `name` names the file: `.run/metrics/<name>-<pid>.jsonl`. */
  constructor(name: string) {
    mkdirSync(RUN_DIR, { recursive: true });
    this.file = join(RUN_DIR, `${name}-${process.pid}.jsonl`);
  }

  /** A sink for one stream's chunks. */
  feeder(): (chunk: Buffer | string) => void {
    let partial = '';
    return (chunk) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    };
  }

  /** One complete line of output. */
  line(line: string): void {
    const points = parseEmfLine(line);
    if (points.length === 0) return;
    this.datapoints.push(...points);
    appendFileSync(this.file, points.map((point) => `${JSON.stringify(point)}\n`).join(''));
  }
}

const shared = new Map<string, MetricRecorder>();

/** The test process's recorder named `name` (one file for every process it is fed from). */
export function runRecorder(name: string): MetricRecorder {
  let recorder = shared.get(name);
  if (recorder === undefined) {
    recorder = new MetricRecorder(name);
    shared.set(name, recorder);
  }
  return recorder;
}
