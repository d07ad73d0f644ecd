#!/usr/bin/env bash
# The local AWS emulators for tests and local mode, without Docker:
#   moto server  (S3, DynamoDB + streams, SNS, CloudWatch, Secrets Manager)  on 127.0.0.1:$MOTO_PORT (4566)
#   ElasticMQ    (SQS: the FIFO semantics the bridge relies on, see docs/testing.md) on 127.0.0.1:$ELASTICMQ_PORT (9324)
# and, only when asked for (`start dynamodb`, as the benchmarks do):
#   DynamoDB Local (Amazon's DynamoDB emulator, many times faster than moto's) on 127.0.0.1:$DYNAMODB_PORT (8000)
# moto runs from a virtualenv (.run/venv) installed from scripts/aws-emulator/requirements.txt;
# ElasticMQ and DynamoDB Local run with plain java on classpaths resolved by Maven from ~/.m2.
# All state (venv, logs, pid files, cached classpath) lives under $BRIDGE_RUN_DIR (default .run/);
# the emulators keep their data in memory, so every start is a clean slate.
# DynamoDB Local is optional: when it cannot start (no sqlite4java native library for this
# platform, port taken), `start dynamodb` says so and moto keeps serving DynamoDB. Clients use it
# only when AWS_ENDPOINT_URL_DYNAMODB points at it (`env` prints that line while it answers).
#
# usage: aws-emulator.sh start [dynamodb]|stop|status|logs [moto|elasticmq|dynamodb] [-f]|env
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib/maven-classpath.sh
source "$here/lib/maven-classpath.sh"
# shellcheck source=scripts/lib/daemon.sh
source "$here/lib/daemon.sh"
repo=$(cd "$here/.." && pwd)
files="$here/aws-emulator"

run_dir=${BRIDGE_RUN_DIR:-$repo/.run}
mkdir -p "$run_dir"
run_dir=$(cd "$run_dir" && pwd -P)

HOST=127.0.0.1
MOTO_PORT=${MOTO_PORT:-4566}
ELASTICMQ_PORT=${ELASTICMQ_PORT:-9324}
DYNAMODB_PORT=${DYNAMODB_PORT:-8000}
# Exported: elasticmq.conf reads ELASTICMQ_PORT through a HOCON substitution.
export MOTO_PORT ELASTICMQ_PORT DYNAMODB_PORT
START_TIMEOUT=${AWS_EMULATOR_START_TIMEOUT:-60}
STOP_TIMEOUT=10

venv="$run_dir/venv"
moto_dir="$run_dir/moto"
moto_log="$moto_dir/moto.log"
moto_pidfile="$moto_dir/moto.pid"
emq_dir="$run_dir/elasticmq"
emq_log="$emq_dir/elasticmq.log"
emq_pidfile="$emq_dir/elasticmq.pid"
ddb_dir="$run_dir/dynamodb"
ddb_log="$ddb_dir/dynamodb.log"
ddb_pidfile="$ddb_dir/dynamodb.pid"
ddb_main=com.amazonaws.services.dynamodbv2.local.main.ServerRunner
# What identifies our DynamoDB Local in a command line: the main class alone would also match
# another instance (another BRIDGE_RUN_DIR, another DYNAMODB_PORT) whose pid file this is not.
ddb_args="-inMemory -sharedDb -disableTelemetry -port $DYNAMODB_PORT"
ddb_pattern="$ddb_main $ddb_args"

moto_url="http://$HOST:$MOTO_PORT"
emq_url="http://$HOST:$ELASTICMQ_PORT"
ddb_url="http://$HOST:$DYNAMODB_PORT"

say() { echo "aws-emulator: $*"; }
die() { echo "aws-emulator: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
seconds_since() { local ms=$(($(now_ms) - $1)); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }

# ---- probes ---------------------------------------------------------------------------------

# moto's dashboard: only moto serves it, so it proves identity. (Not /moto-api/data.json: it
# serialises every model and answers 500 once an S3 bucket that held objects was deleted.)
moto_answers() {
  local page
  # Read the whole page first: `curl | grep -q` fails under pipefail when grep exits early.
  page=$(curl -sf -m 2 "$moto_url/moto-api/") || return 1
  grep -qi '<title>moto' <<<"$page"
}

# ElasticMQ answers SQS's ListQueues; moto would too, so require ElasticMQ's HTTP server header.
elasticmq_answers() {
  local headers
  headers=$(curl -s -m 2 -D - -o /dev/null "$emq_url/?Action=ListQueues") || return 1
  grep -qi '^HTTP/[0-9.]* 200' <<<"$headers" && grep -qi '^server: pekko-http' <<<"$headers"
}

# DynamoDB Local answers an unsigned request with its own JSON error from a Jetty server; moto
# (also a DynamoDB) would answer differently, so both marks are required.
dynamodb_answers() {
  local answer
  answer=$(curl -s -m 2 -D - "$ddb_url/") || return 1
  grep -qi '^server: jetty' <<<"$answer" && grep -q 'MissingAuthenticationToken' <<<"$answer"
}

# Anything accepting TCP connections on the port (ours, another emulator, any program)?
port_listening() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# ---- installation ---------------------------------------------------------------------------

ensure_venv() {
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
    die "python3 is $(python3 --version 2>&1); moto 5 needs Python 3.9 or later"
  local requirements="$files/requirements.txt" stamp="$venv/.aws-emulator-requirements.sha256" want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c '' 2>/dev/null; then
    # The interpreter the venv points to is gone (python upgraded or moved): start afresh.
    say "the virtualenv at $venv is broken; recreating it"
    rm -rf "$venv"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    say "creating the virtualenv $venv"
    python3 -m venv "$venv" >"$run_dir/venv-create.log" 2>&1 || {
      cat "$run_dir/venv-create.log" >&2
      die "python3 -m venv failed (on Debian/Ubuntu install python3-venv)"
    }
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing moto into $venv (pinned in $(realpath --relative-to="$repo" "$requirements"); first time takes under a minute)"
    mkdir -p "$moto_dir"
    # pip's default cache (~/.cache/pip) makes reinstalls fast and offline-friendly.
    # --no-compile halves the install time (measured 39 s against 70 s): most of the pinned
    # packages (cfn-lint's schemas, sympy) are never imported by the server, and Python
    # compiles what it does import on first use.
    # Bounded (a fresh clone has no venv: this runs in CI), never asking for input.
    if ! timeout -k 10 "${BRIDGE_INSTALL_TIMEOUT:-600}" "$venv/bin/pip" install --disable-pip-version-check \
      --no-input --no-compile -q -r "$requirements" </dev/null >"$moto_dir/pip.log" 2>&1; then
      tail -n 30 "$moto_dir/pip.log" >&2
      die "pip install of $requirements failed (full log: $moto_dir/pip.log)"
    fi
    echo "$want" >"$stamp"
  fi
}

# ---- start ----------------------------------------------------------------------------------

# Everything that would make a start fail, checked before anything is launched, so a failed
# start does not leave one emulator half-way up.
preflight() {
  command -v curl >/dev/null 2>&1 || die "curl not found: it is used to check that the emulators answer"
  if ! moto_answers && ! live_pid "$moto_pidfile" moto_server >/dev/null; then
    command -v python3 >/dev/null 2>&1 || die "python3 not found: install Python 3.9 or later (moto runs on it)"
    if port_listening "$MOTO_PORT"; then
      die "port $MOTO_PORT is taken by another program ($(port_owner "$MOTO_PORT")), not moto: free it or set MOTO_PORT"
    fi
  fi
  if ! elasticmq_answers && ! live_pid "$emq_pidfile" org.elasticmq.server.Main >/dev/null; then
    command -v java >/dev/null 2>&1 || die "java not found: install a JDK or JRE 17 or later (ElasticMQ runs on it)"
    if port_listening "$ELASTICMQ_PORT"; then
      die "port $ELASTICMQ_PORT is taken by another program ($(port_owner "$ELASTICMQ_PORT")), not ElasticMQ: free it or set ELASTICMQ_PORT"
    fi
  fi
}

# Sets launched_<name> to the launch time in ms, or leaves it empty when already answering.
launch_moto() {
  launched_moto=''
  local pid
  if moto_answers; then
    if pid=$(live_pid "$moto_pidfile" moto_server); then
      say "moto already running at $moto_url (pid $pid)"
    else
      say "moto already answering at $moto_url (not started by this script: leaving it alone)"
    fi
    return 0
  fi
  if pid=$(live_pid "$moto_pidfile" moto_server); then
    # Our process, alive but not answering yet (another start is still waiting for it).
    say "moto (pid $pid) is starting; waiting for it"
    launched_moto=$(now_ms)
    return 0
  fi
  rm -f "$moto_pidfile"
  ensure_venv
  mkdir -p "$moto_dir"
  launched_moto=$(now_ms)
  # moto_server.py: moto's own server, its DynamoDB requests one at a time (atomic writes, as DynamoDB's).
  spawn "$moto_pidfile" "$moto_log" "$venv/bin/python" "$here/aws-emulator/moto_server.py" -H "$HOST" -p "$MOTO_PORT"
}

launch_elasticmq() {
  launched_elasticmq=''
  local pid cp
  if elasticmq_answers; then
    if pid=$(live_pid "$emq_pidfile" org.elasticmq.server.Main); then
      say "ElasticMQ already running at $emq_url (pid $pid)"
    else
      say "ElasticMQ already answering at $emq_url (not started by this script: leaving it alone)"
    fi
    return 0
  fi
  if pid=$(live_pid "$emq_pidfile" org.elasticmq.server.Main); then
    say "ElasticMQ (pid $pid) is starting; waiting for it"
    launched_elasticmq=$(now_ms)
    return 0
  fi
  rm -f "$emq_pidfile"
  mkdir -p "$emq_dir"
  cp=$(maven_classpath "$files/pom.xml" "$emq_dir" "$emq_dir/mvn.log" ElasticMQ)
  launched_elasticmq=$(now_ms)
  # -Xmx256m: an in-memory SQS for tests needs little; the machine also runs Kafka and moto.
  # SerialGC: fewer GC threads on a 2-core machine. The exported ELASTICMQ_PORT feeds the
  # config's HOCON substitutions (bind port and the host:port in queue URLs).
  spawn "$emq_pidfile" "$emq_log" \
    java -Xmx256m -XX:+UseSerialGC -Dconfig.file="$files/elasticmq.conf" -cp "$cp" org.elasticmq.server.Main
}

# DynamoDB Local, when asked for. Never fatal: returns 1 with a message when it cannot start, so
# moto goes on serving DynamoDB. Sets launched_dynamodb like the others.
launch_dynamodb() {
  launched_dynamodb=''
  local pid cp_all entry libdir='' cp=''
  if dynamodb_answers; then
    if pid=$(live_pid "$ddb_pidfile" "$ddb_pattern"); then
      say "DynamoDB Local already running at $ddb_url (pid $pid)"
    else
      say "DynamoDB Local already answering at $ddb_url (not started by this script: leaving it alone)"
    fi
    return 0
  fi
  if pid=$(live_pid "$ddb_pidfile" "$ddb_pattern"); then
    say "DynamoDB Local (pid $pid) is starting; waiting for it"
    launched_dynamodb=$(now_ms)
    return 0
  fi
  if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
    say "DynamoDB Local skipped: its sqlite4java native library on Maven Central is for x86_64 Linux, this is $(uname -s)-$(uname -m); moto serves DynamoDB"
    return 1
  fi
  command -v java >/dev/null 2>&1 || { say "DynamoDB Local skipped: java not found; moto serves DynamoDB"; return 1; }
  if port_listening "$DYNAMODB_PORT"; then
    say "DynamoDB Local skipped: port $DYNAMODB_PORT is taken by $(port_owner "$DYNAMODB_PORT") (set DYNAMODB_PORT); moto serves DynamoDB"
    return 1
  fi
  rm -f "$ddb_pidfile"
  mkdir -p "$ddb_dir"
  # In a subshell: maven_classpath dies on failure, which here must only skip DynamoDB Local.
  cp_all=$(maven_classpath "$files/dynamodb-local.pom.xml" "$ddb_dir" "$ddb_dir/mvn.log" 'DynamoDB Local') || {
    say "DynamoDB Local skipped: Maven could not resolve it (log: $ddb_dir/mvn.log); moto serves DynamoDB"
    return 1
  }
  # The resolved list holds the jars and the native libraries of every platform: the jars are
  # the classpath, and the x86_64 Linux library's directory is where sqlite4java looks.
  local -a entries
  IFS=: read -r -a entries <<<"$cp_all"
  for entry in "${entries[@]}"; do
    case "$entry" in
      *.jar) cp="${cp:+$cp:}$entry" ;;
      */libsqlite4java-linux-amd64-*.so) libdir=$(dirname "$entry") ;;
    esac
  done
  [ -n "$libdir" ] || { say "DynamoDB Local skipped: no libsqlite4java-linux-amd64 in its classpath; moto serves DynamoDB"; return 1; }
  launched_dynamodb=$(now_ms)
  # -inMemory: a clean slate per start, like the others. -sharedDb: one database whatever the
  # access key and region (by default each key sees its own tables, and tests and local mode
  # use different fake keys). -disableTelemetry: nothing leaves the machine.
  # shellcheck disable=SC2086 # ddb_args: several words on purpose
  spawn "$ddb_pidfile" "$ddb_log" \
    java -Xmx512m -XX:+UseSerialGC -Djava.library.path="$libdir" -cp "$cp" "$ddb_main" $ddb_args
}

# Like wait_ready, but a failure only stops DynamoDB Local and says moto serves DynamoDB.
wait_dynamodb() {
  local started=$launched_dynamodb
  [ -n "$started" ] || return 0
  local deadline=$((started + START_TIMEOUT * 1000))
  while ! dynamodb_answers; do
    if ! live_pid "$ddb_pidfile" "$ddb_pattern" >/dev/null || [ "$(now_ms)" -ge "$deadline" ]; then
      tail -n 20 "$ddb_log" >&2 || true
      stop_one 'DynamoDB Local' "$ddb_pidfile" "$ddb_pattern" >/dev/null
      say "DynamoDB Local did not come up (log: $ddb_log); moto serves DynamoDB"
      return 1
    fi
    sleep 0.2
  done
  say "DynamoDB Local ready at $ddb_url (pid $(live_pid "$ddb_pidfile" "$ddb_pattern" || echo '?'), $(seconds_since "$started"))"
}

# wait_ready <label> <probe> <pidfile> <pattern> <log> <url> <launch ms>
wait_ready() {
  local label=$1 probe=$2 pidfile=$3 pattern=$4 log=$5 url=$6 started=$7 pid
  [ -n "$started" ] || return 0
  local deadline=$((started + START_TIMEOUT * 1000))
  while ! "$probe"; do
    if ! pid=$(live_pid "$pidfile" "$pattern"); then
      echo "---- last lines of $log" >&2
      tail -n 30 "$log" >&2 || true
      die "$label exited during startup (log: $log)"
    fi
    if [ "$(now_ms)" -ge "$deadline" ]; then
      echo "---- last lines of $log" >&2
      tail -n 30 "$log" >&2 || true
      # Stop the half-started process so the next start begins clean.
      stop_one "$label" "$pidfile" "$pattern" >/dev/null
      die "$label did not answer at $url within ${START_TIMEOUT} s (stopped it; log: $log)"
    fi
    sleep 0.2
  done
  say "$label ready at $url (pid $(live_pid "$pidfile" "$pattern" || echo '?'), $(seconds_since "$started"))"
}

with_lock() {
  # Serialises concurrent start/stop calls (e.g. infra.sh and a test script at once).
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$run_dir/aws-emulator.lock"
    flock -w 600 9 || die "another aws-emulator.sh start/stop is still running (lock $run_dir/aws-emulator.lock)"
  fi
}

start() {
  local with_dynamodb=0 arg ddb_up=0
  for arg in "$@"; do
    case "$arg" in
      dynamodb) with_dynamodb=1 ;;
      *) die "start: unknown argument '$arg' (only 'dynamodb', to start DynamoDB Local too)" ;;
    esac
  done
  with_lock
  local t0
  t0=$(now_ms)
  preflight
  # Launch all before waiting, so the JVMs and Python start in parallel.
  launch_moto
  launch_elasticmq
  launched_dynamodb=''
  if [ "$with_dynamodb" -eq 1 ] && launch_dynamodb; then ddb_up=1; fi
  wait_ready moto moto_answers "$moto_pidfile" moto_server "$moto_log" "$moto_url" "$launched_moto"
  wait_ready ElasticMQ elasticmq_answers "$emq_pidfile" org.elasticmq.server.Main "$emq_log" "$emq_url" \
    "$launched_elasticmq"
  if [ "$ddb_up" -eq 1 ] && ! wait_dynamodb; then ddb_up=0; fi
  if [ "$ddb_up" -eq 1 ]; then
    say "up in $(seconds_since "$t0"): AWS_ENDPOINT_URL=$moto_url AWS_ENDPOINT_URL_SQS=$emq_url AWS_ENDPOINT_URL_DYNAMODB=$ddb_url"
  else
    say "up in $(seconds_since "$t0"): AWS_ENDPOINT_URL=$moto_url AWS_ENDPOINT_URL_SQS=$emq_url"
  fi
}

# ---- stop -----------------------------------------------------------------------------------

# SIGTERM to the process group (the server and anything it spawned), SIGKILL after STOP_TIMEOUT.
stop_one() {
  local label=$1 pidfile=$2 pattern=$3 pid target
  if ! pid=$(live_pid "$pidfile" "$pattern"); then
    rm -f "$pidfile"
    say "$label not running"
    return 0
  fi
  # spawn made it a session (and group) leader; signal the group only if that still holds.
  target=$pid
  [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] && target="-$pid"
  kill -TERM -- "$target" 2>/dev/null || true
  for _ in $(seq 1 $((STOP_TIMEOUT * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$label (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT} s; sending SIGKILL"
    kill -KILL -- "$target" 2>/dev/null || true
    sleep 0.2
  fi
  kill -0 "$pid" 2>/dev/null && die "$label (pid $pid) is still running after SIGKILL"
  rm -f "$pidfile"
  say "$label stopped (pid $pid)"
}

stop() {
  with_lock
  stop_one moto "$moto_pidfile" moto_server
  stop_one ElasticMQ "$emq_pidfile" org.elasticmq.server.Main
  stop_one 'DynamoDB Local' "$ddb_pidfile" "$ddb_pattern"
}

# ---- status, logs, env ----------------------------------------------------------------------

status_one() {
  local label=$1 probe=$2 pidfile=$3 pattern=$4 url=$5 pid
  if "$probe"; then
    if pid=$(live_pid "$pidfile" "$pattern"); then
      echo "$label: running at $url (pid $pid)"
    else
      echo "$label: answering at $url (not started by this script)"
    fi
    return 0
  fi
  if pid=$(live_pid "$pidfile" "$pattern"); then
    echo "$label: process $pid alive but not answering at $url"
  else
    echo "$label: stopped"
  fi
  return 3
}

status() {
  local rc=0
  status_one moto moto_answers "$moto_pidfile" moto_server "$moto_url" || rc=3
  status_one ElasticMQ elasticmq_answers "$emq_pidfile" org.elasticmq.server.Main "$emq_url" || rc=3
  # Optional (moto serves DynamoDB without it): reported, never a failed status.
  status_one 'DynamoDB Local (optional)' dynamodb_answers "$ddb_pidfile" "$ddb_pattern" "$ddb_url" || true
  return "$rc"
}

logs() {
  local which=all follow=0 arg
  for arg in "$@"; do
    case "$arg" in
      moto | elasticmq | dynamodb | all) which=$arg ;;
      -f | --follow) follow=1 ;;
      *) die "logs: unknown argument '$arg' (use moto, elasticmq, dynamodb or all, and -f to follow)" ;;
    esac
  done
  local -a chosen=()
  case "$which" in
    moto) chosen=("$moto_log") ;;
    elasticmq) chosen=("$emq_log") ;;
    dynamodb) chosen=("$ddb_log") ;;
    # DynamoDB Local's log only when it was ever started: it is optional.
    all) chosen=("$moto_log" "$emq_log"); [ -f "$ddb_log" ] && chosen+=("$ddb_log") ;;
  esac
  local f
  for f in "${chosen[@]}"; do [ -f "$f" ] || die "no log yet at $f (start the emulators first)"; done
  if [ "$follow" -eq 1 ]; then
    exec tail -n "${LOG_LINES:-40}" -F "${chosen[@]}"
  fi
  tail -n "${LOG_LINES:-40}" "${chosen[@]}"
}

# For a shell or the aws CLI: eval "$(scripts/aws-emulator.sh env)"
print_env() {
  cat <<EOF
export AWS_ENDPOINT_URL=$moto_url
export AWS_ENDPOINT_URL_SQS=$emq_url
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
EOF
  if dynamodb_answers; then echo "export AWS_ENDPOINT_URL_DYNAMODB=$ddb_url"; fi
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  logs) shift; logs "$@" ;;
  env) print_env ;;
  *)
    echo "usage: $0 start [dynamodb]|stop|status|logs [moto|elasticmq|dynamodb] [-f]|env" >&2
    exit 2
    ;;
esac
