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
# Local mode runs as a child this script waits for, so a supervisor's SIGINT or SIGTERM to this
# process (or to npm, which forwards it here) reaches it and npm returns only once it has
# drained. A Ctrl-C at a terminal signals the whole group as well: local mode takes the copies
# that arrive together as one stop. stdin is passed on explicitly (a background job would get
# /dev/null).
"$node_bin" functions/local.ts "$@" <&0 &
child=$!
trap 'kill -s INT "$child" 2>/dev/null || true' INT
trap 'kill -s TERM "$child" 2>/dev/null || true' TERM
# `wait` returns early when a trapped signal arrives: wait again until the child has exited.
status=0
while :; do
  if wait "$child"; then status=0; else status=$?; fi
  kill -0 "$child" 2>/dev/null || break
done
exit "$status"
