// The suite's last step (scripts/test.sh runs it after every other test): every kind of AWS call
// the whole suite recorded (component, action, kind of queue, item, object or secret) must be
// one the IAM test checked against the synthesized roles (test/integration/iam-recorded-calls
// .test.ts), else a call some test makes was never evaluated against its role. Fails, never
// skips, when the recording or the IAM test's kinds are missing.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHECKED_KINDS_FILE, COMPARE_ENV, readRecordings } from '../support/iam/recordings.ts';
import { callKind } from '../support/iam/roles.ts';

test('every kind of AWS call the suite recorded was checked against its role by the IAM test', () => {
  const dir = process.env[COMPARE_ENV];
  assert.ok(dir !== undefined && dir !== '', `${COMPARE_ENV} names no recording (scripts/test.sh sets it)`);
  const checkedFile = join(dir, CHECKED_KINDS_FILE);
  assert.ok(existsSync(checkedFile), `${checkedFile} is missing: the IAM test did not run in this suite`);
  const checked = new Set(JSON.parse(readFileSync(checkedFile, 'utf8')) as string[]);
  const recorded = readRecordings(dir)
    // The operator's calls are for an operator policy, not a bridge role (test/integration/cli-hostile.test.ts).
    .filter((call) => call.component !== 'cli');
  assert.ok(recorded.length > 0, `no recorded calls in ${dir}`);
  const unchecked = [...new Set(recorded.map(callKind))].filter((kind) => !checked.has(kind)).sort();
  assert.deepEqual(unchecked, [], `kinds of call recorded by the suite but never checked against a role`);
});
