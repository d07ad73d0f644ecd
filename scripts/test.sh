#!/usr/bin/env bash
# The project's test command (`npm test`): static checks, then every test (unit, integration,
# end-to-end) in one node:test run so the summary line counts them all. Integration tests need
# the real broker and emulators: they are started here when not already running (idempotent).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== lint and format (biome)"
npx biome ci .
echo "== typecheck (tsc)"
npx tsc --noEmit -p tsconfig.json
echo "== local infrastructure"
bash scripts/infra.sh up
echo "== browser and terminal for the console and live-view tests"
bash scripts/browser.sh
echo "== tests"
# Every AWS call the tests' components make is recorded (lib/aws/call-recorder.ts) in a directory
# of this run's own: .run is shared by other runs, so nothing else writes or reads there.
calls=".run/calls/run-$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$calls"
status=0
# Two at a time on a 2-core machine; integration tests isolate themselves by unique names.
# The reliability suite (faults injected, invariant checker) runs here too; the soak does not.
BRIDGE_RECORD_CALLS="$PWD/$calls" node --test --test-concurrency=2 --test-timeout=300000 --test-reporter=spec \
  'test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts' \
  'test/reliability/**/*.test.ts' "$@" || status=$?
# Last, on the whole suite's recording: every kind of call it made was checked against its role
# by the IAM test (test/suite/recorded-calls.test.ts). Not after a filtered run (extra arguments):
# the IAM test may not have run.
if [ "$#" -eq 0 ]; then
  echo "== recorded AWS calls against the IAM roles"
  BRIDGE_RECORDED_CALLS_COMPARE="$calls" node --test --test-reporter=spec 'test/suite/**/*.test.ts' || status=$?
fi
# Kept for a look when something failed.
if [ "$status" -eq 0 ]; then rm -rf "$calls"; else echo "recorded calls kept in $calls"; fi
exit "$status"
