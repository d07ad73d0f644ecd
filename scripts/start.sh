#!/usr/bin/env bash
# `npm start`: brings up the local infrastructure (real Kafka broker, AWS emulators), then runs
# local mode (functions/local.ts): the demo by default, or your routes with --config <file>
# (bridge.local.config.ts runs the routes of bridge.config.ts locally).
# Arguments after `npm start --` go to local mode; `npm start -- --help` lists them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The Node 24 the project pins (the `node` devDependency); the machine's own node may be older.
node_bin=node_modules/.bin/node
if [ ! -x "$node_bin" ]; then
  echo "start: $node_bin is missing: run npm ci first" >&2
  exit 1
fi

for arg in "$@"; do
  case "$arg" in
    -h|--help) exec "$node_bin" functions/local.ts --help ;;
  esac
done

bash scripts/infra.sh up
echo
exec "$node_bin" functions/local.ts "$@"
