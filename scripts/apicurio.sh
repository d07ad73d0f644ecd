#!/usr/bin/env bash
# Apicurio Registry as the local Confluent-compatible schema registry for the decoding tests
# (test/integration/decode-confluent.test.ts), without Docker:
#   apicurio.sh start    build it once (Maven, from scripts/apicurio/pom.xml: see why there), then
#                        run it on 127.0.0.1:$APICURIO_PORT (18081) with in-memory storage; a no-op
#                        when it already answers
#   apicurio.sh stop     stop the instance this script started (its pid file)
#   apicurio.sh status   whether it answers
#   apicurio.sh url      the Confluent-compatible base URL (…/apis/ccompat/v7)
# State (build output, log, pid) under $BRIDGE_RUN_DIR/apicurio (default .run/apicurio). The first
# start downloads about 150 MB into ~/.m2 and builds for a minute or two; later starts take the
# JVM's start-up time (10-40 s).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
run_dir=${BRIDGE_RUN_DIR:-$repo/.run}
dir="$run_dir/apicurio"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
port=${APICURIO_PORT:-18081}
url="http://127.0.0.1:$port/apis/ccompat/v7"
pidfile="$dir/apicurio.pid"
log="$dir/apicurio.log"
start_timeout=${APICURIO_START_TIMEOUT:-240}

say() { echo "apicurio: $*" >&2; }
die() { echo "apicurio: $*" >&2; exit 1; }
answers() { curl -fsS -m 3 -o /dev/null "$url/subjects" 2>/dev/null; }
our_pid() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"; }

build() {
  local stamp runner
  stamp=$(cat "$here/apicurio/pom.xml" "$here"/apicurio/src/main/java/local/bridge/*.java | sha256sum | cut -c1-16)
  runner="$dir/build/apicurio-runtime-1-runner.jar"
  if [ -f "$runner" ] && [ "$(cat "$dir/build.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven builds Apicurio Registry from Maven Central"
  say "building Apicurio Registry from Maven Central (the first time downloads it into ~/.m2; log: $dir/build.log)"
  if ! mvn -B -Dstyle.color=never -f "$here/apicurio/pom.xml" -Dapicurio.build.dir="$dir/build" \
    package -DskipTests >"$dir/build.log" 2>&1; then
    grep -E '^\[ERROR\]' "$dir/build.log" | head -n 20 >&2
    die "the build failed (full log: $dir/build.log)"
  fi
  echo "$stamp" >"$dir/build.stamp"
}

start() {
  if answers; then say "already answering on $url"; return; fi
  [ -z "$(our_pid || true)" ] || die "pid $(cat "$pidfile") is running but does not answer on $url (see $log)"
  build
  say "starting on 127.0.0.1:$port"
  (cd "$dir" && nohup java -Xmx512m -XX:+UseSerialGC -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
    -jar "$dir/build/apicurio-runtime-1-runner.jar" >"$log" 2>&1 & echo $! >"$pidfile")
  local waited=0
  until answers; do
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -n 30 "$log" >&2; die "exited during start-up (log: $log)"; }
    [ "$waited" -lt "$start_timeout" ] || die "no answer on $url after ${start_timeout}s (log: $log)"
    sleep 1
    waited=$((waited + 1))
  done
  say "answering on $url after ${waited}s"
}

stop() {
  local pid
  pid=$(our_pid || true)
  if [ -z "$pid" ]; then say "not running (no live pid in $pidfile)"; rm -f "$pidfile"; return; fi
  kill "$pid"
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if answers; then say "answering on $url"; else say "not answering on $url"; exit 1; fi ;;
  url) echo "$url" ;;
  *) die "usage: apicurio.sh start|stop|status|url" ;;
esac
