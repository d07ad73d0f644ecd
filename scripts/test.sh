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
# Two at a time on a 2-core machine; integration tests isolate themselves by unique names.
# The reliability suite (faults injected, invariant checker) runs here too; the soak does not.
exec node --test --test-concurrency=2 --test-timeout=300000 --test-reporter=spec \
  'test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts' \
  'test/reliability/**/*.test.ts' "$@"
