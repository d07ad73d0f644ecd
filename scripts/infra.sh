#!/usr/bin/env bash
# Local infrastructure: the real Kafka broker and the AWS emulators, started and stopped together.
# Each part is idempotent on its own; this only sequences them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() { echo "usage: $0 up|down|status" >&2; exit 2; }

case "${1:-}" in
  up)
    # Start both at once: each waits for its own readiness, and the JVMs start in parallel.
    "$here/kafka.sh" start & kafka_pid=$!
    "$here/aws-emulator.sh" start & aws_pid=$!
    rc=0
    wait "$kafka_pid" || rc=$?
    wait "$aws_pid" || rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "infra: local infrastructure did not start (see the messages above)" >&2
      exit "$rc"
    fi
    ;;
  down)
    rc=0
    "$here/kafka.sh" stop || rc=$?
    "$here/aws-emulator.sh" stop || rc=$?
    # The decoding tests' registry, when a test started it (scripts/apicurio.sh).
    "$here/apicurio.sh" stop || rc=$?
    exit "$rc"
    ;;
  status)
    rc=0
    "$here/kafka.sh" status || rc=$?
    "$here/aws-emulator.sh" status || rc=$?
    exit "$rc"
    ;;
  *) usage ;;
esac
