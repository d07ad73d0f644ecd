#!/usr/bin/env bash
# Apicurio Registry as the local Confluent-compatible schema registry for the decoding tests
# (test/integration/decode-confluent.test.ts), without Docker:
#   apicurio.sh start    build it once per machine (Maven, from scripts/apicurio/pom.xml: see why
#                        there), then run it on 127.0.0.1:$APICURIO_PORT (18081) with in-memory
#                        storage, detached; a no-op when it already answers
#   apicurio.sh stop     stop the instance this script started (its pid file)
#   apicurio.sh status   whether it answers
#   apicurio.sh url      the Confluent-compatible base URL (…/apis/ccompat/v7)
# The build is cached machine-wide per hash of the pom and sources, under
# $APICURIO_CACHE_DIR (default ~/.cache/kafka-endpoint-bridge/apicurio), so a fresh clone does
# not build again; the first build downloads about 150 MB into ~/.m2 and takes a minute or two.
# The instance's log and pid live under $BRIDGE_RUN_DIR/apicurio (default .run/apicurio).
# A start, build included, ends within $APICURIO_TIMEOUT seconds (600): answering, or failed
# with the reason and the end of the log on stderr, never waiting for input.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "apicurio: $*" >&2; }
die() { echo "apicurio: $*" >&2; exit 1; }
# shellcheck source=scripts/lib/daemon.sh
source "$here/lib/daemon.sh"
repo=$(cd "$here/.." && pwd)
run_dir=${BRIDGE_RUN_DIR:-$repo/.run}
dir="$run_dir/apicurio"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
cache=${APICURIO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-endpoint-bridge/apicurio}
port=${APICURIO_PORT:-18081}
url="http://127.0.0.1:$port/apis/ccompat/v7"
pidfile="$dir/apicurio.pid"
log="$dir/apicurio.log"
runner=apicurio-runtime-1-runner.jar
timeout_s=${APICURIO_TIMEOUT:-600}
[[ "$timeout_s" =~ ^[0-9]+$ && "$port" =~ ^[0-9]+$ ]] || die "APICURIO_TIMEOUT and APICURIO_PORT must be whole numbers"
deadline=$((SECONDS + timeout_s))
remaining() { local left=$((deadline - SECONDS)); echo $((left > 1 ? left : 1)); }

answers() { curl -fsS -m 3 -o /dev/null "$url/subjects" 2>/dev/null; }
port_listening() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; }
our_pid() { live_pid "$pidfile" "$runner"; }

# The runner jar for the current pom and sources, built into the machine-wide cache if absent.
build() {
  local stamp out tmp rc=0
  stamp=$(cat "$here/apicurio/pom.xml" "$here"/apicurio/src/main/java/local/bridge/*.java | sha256sum | cut -c1-16)
  out="$cache/$stamp"
  if [ -f "$out/$runner" ]; then echo "$out/$runner"; return; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven builds Apicurio Registry from Maven Central"
  tmp="$cache/$stamp.tmp"
  rm -rf "$tmp"
  say "building Apicurio Registry from Maven Central into $out (the first time downloads it into ~/.m2; log: $dir/build.log)"
  timeout -k 10 "$(remaining)" mvn -B -Dstyle.color=never -f "$here/apicurio/pom.xml" \
    -Dapicurio.build.dir="$tmp/build" package -DskipTests </dev/null >"$dir/build.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    rm -rf "$tmp"
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      tail -n 20 "$dir/build.log" >&2
      die "the build did not finish within ${timeout_s}s (APICURIO_TIMEOUT; full log: $dir/build.log)"
    fi
    { grep -E '^\[ERROR\]' "$dir/build.log" || tail -n 20 "$dir/build.log"; } | head -n 20 >&2
    die "the build failed (full log: $dir/build.log)"
  fi
  # The runner jar finds its libraries in lib/ beside it; the rest of the build is not needed.
  mkdir -p "$tmp/keep"
  mv "$tmp/build/$runner" "$tmp/build/lib" "$tmp/keep/"
  mv "$tmp/keep" "$out"
  rm -rf "$tmp"
  echo "$out/$runner"
}

# Waits for pid $1 to answer; stops it and fails with the end of its log when it exits or the
# time is up.
wait_ready() {
  local pid=$1 from=$SECONDS
  until answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$log" >&2
      die "exited during start-up (log: $log, above)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$log" >&2
      stop
      die "no answer on $url within ${timeout_s}s (APICURIO_TIMEOUT); stopped it (log: $log, above)"
    fi
    sleep 1
  done
  say "answering on $url after $((SECONDS - from))s"
}

start() {
  command -v curl >/dev/null 2>&1 || die "curl not found: it checks that the registry answers"
  if answers; then say "already answering on $url"; return; fi
  # One start at a time on this machine: a second clone waits for the first and finds it answering.
  mkdir -p "$cache"
  exec 9>"$cache/start.lock"
  flock -w "$(remaining)" 9 || die "another apicurio.sh start held $cache/start.lock for ${timeout_s}s"
  if answers; then say "already answering on $url"; return; fi
  local pid jar
  pid=$(our_pid || true)
  if [ -n "$pid" ]; then
    say "pid $pid (started earlier) does not answer yet; waiting for it"
    wait_ready "$pid"
    return
  fi
  if port_listening; then
    die "port $port is taken by another program ($(port_owner "$port")) that does not answer as a registry at $url: stop it or set APICURIO_PORT"
  fi
  command -v java >/dev/null 2>&1 || die "java not found: a JDK 17+ runs the registry (the broker's)"
  jar=$(build)
  say "starting on 127.0.0.1:$port"
  cd "$dir"
  spawn "$pidfile" "$log" java -Xmx512m -XX:+UseSerialGC -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.http.port="$port" -jar "$jar"
  wait_ready "$(cat "$pidfile")"
}

stop() {
  local pid
  pid=$(our_pid || true)
  # An older apicurio.sh wrote the pid of the bash subshell whose child is the registry.
  if [ -z "$pid" ] && pid=$(live_pid "$pidfile" apicurio.sh); then
    pid=$(pgrep -P "$pid" -f "$runner" || true)
  fi
  if [ -z "$pid" ]; then say "not running (no live pid in $pidfile)"; rm -f "$pidfile"; return; fi
  # Its own session (spawn): the whole group.
  kill -- "-$pid" 2>/dev/null || kill "$pid"
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid"; fi
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
