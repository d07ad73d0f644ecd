// Recorded AWS calls on disk (lib/aws/call-recorder.ts, BRIDGE_RECORD_CALLS): one JSON line per
// call, one `calls-<pid>.jsonl` per process when the target is a directory. scripts/test.sh
// gives each suite run a directory of its own under .run/calls; the IAM test leaves there the
// kinds of call it checked against the roles, and the suite's last step compares them with what
// every other test recorded (test/suite/recorded-calls.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedCall } from '../../../lib/aws/call-recorder.ts';

/** Where the IAM test writes the kinds of call it checked (a JSON array of callKind strings). */
export const CHECKED_KINDS_FILE = 'iam-checked-kinds.json';

/** The environment variable naming the suite's recording directory for the last step. */
export const COMPARE_ENV = 'BRIDGE_RECORDED_CALLS_COMPARE';

export function readCalls(file: string): RecordedCall[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RecordedCall);
}

/** Every call recorded in `dir` (its `.jsonl` files). */
export function readRecordings(dir: string): RecordedCall[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) => readCalls(join(dir, name)));
}
