#!/usr/bin/env bash
# A real Apache Kafka 4.x broker for tests and local mode, without Docker: one KRaft node that is
# both broker (127.0.0.1:$KAFKA_PORT, default 9092) and controller (127.0.0.1:$KAFKA_CONTROLLER_PORT,
# default 9093), run with plain java on a classpath that Maven resolves from Maven Central into ~/.m2
# (scripts/kafka/pom.xml; nothing is copied). The classpath is cached per pom hash, so only the first
# start calls Maven.
# Besides PLAINTEXT on $KAFKA_PORT, the broker serves three authenticated listeners, as MSK and
# hosted Kafka services do: SASL_SSL with SCRAM-SHA-512 on $KAFKA_SASL_SSL_PORT (default
# KAFKA_PORT+2, 9094), SSL with a required client certificate (mTLS) on $KAFKA_SSL_PORT (default
# KAFKA_PORT+3, 9095), and SASL_SSL with PLAIN (Confluent Cloud, Redpanda Cloud, Aiven) on
# $KAFKA_SASL_PLAIN_PORT (default KAFKA_PORT+4, 9096). Their CA, certificates, SCRAM user and PLAIN
# user are made once with openssl (scripts/lib/kafka-auth.sh) under $BRIDGE_RUN_DIR/kafka/auth,
# shared by every instance; the SCRAM user is (re)created at each start, the PLAIN user is in the
# broker's JAAS line.
# State lives under $BRIDGE_RUN_DIR/kafka (default .run/kafka): data/ (the KRaft log dirs, kept across
# restarts), logs/ (server.log, controller.log, kafka.out for the JVM's own output), kafka.pid.
#
# usage: kafka.sh start|stop|restart|status|logs [-f] [lines]|reset
#   start   idempotent: a no-op when this repo's broker already answers with the current configuration;
#           waits until it serves clients. A broker started with another configuration (an older
#           kafka.sh, other ports) is left running and named: `restart` applies the new one.
#   restart stop, then start (the data is kept)
#   stop    SIGTERM (controlled shutdown), SIGKILL after $KAFKA_STOP_TIMEOUT s; a no-op when stopped
#   status  exit 0 when running and listening, 3 otherwise
#   reset   stop, then wipe data/ (the next start formats a new, empty cluster)
# Environment: KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_SASL_SSL_PORT, KAFKA_SSL_PORT, KAFKA_SASL_PLAIN_PORT, KAFKA_START_TIMEOUT (90 s), KAFKA_STOP_TIMEOUT (30 s),
# KAFKA_HEAP_OPTS (-Xms256m -Xmx512m), JAVA_HOME, BRIDGE_RUN_DIR, KAFKA_INSTANCE.
# KAFKA_INSTANCE=<name> runs a second, independent broker (with its own KAFKA_PORT and
# KAFKA_CONTROLLER_PORT) whose state lives under $BRIDGE_RUN_DIR/kafka-<name> instead: a test can stop
# and start it without touching the shared broker. Unset, everything is as described above. The
# Maven classpath and the readiness probe stay cached under .run/kafka, shared by every instance.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib/maven-classpath.sh
source "$here/lib/maven-classpath.sh"
# shellcheck source=scripts/lib/kafka-auth.sh
source "$here/lib/kafka-auth.sh"
repo=$(cd "$here/.." && pwd)
files="$here/kafka"

run_root=${BRIDGE_RUN_DIR:-$repo/.run}
mkdir -p "$run_root"
run_root=$(cd "$run_root" && pwd -P)
instance=${KAFKA_INSTANCE:-}
if [ -n "$instance" ] && ! [[ "$instance" =~ ^[a-z0-9][a-z0-9-]{0,39}$ ]]; then
  echo "kafka: KAFKA_INSTANCE must be 1-40 lowercase letters, digits or hyphens (got '$instance')" >&2
  exit 1
fi
# Shared by every instance: the classpath and the compiled probe depend on the pom only.
cache_dir="$run_root/kafka"
run_dir="$run_root/kafka${instance:+-$instance}"
data_dir="$run_dir/data"
logs_dir="$run_dir/logs"
pid_file="$run_dir/kafka.pid"
port_file="$run_dir/kafka.port"
props="$run_dir/server.properties"
# The hash of the server.properties the running broker was started with.
config_hash_file="$run_dir/kafka.config-hash"
auth_dir="$cache_dir/auth"

HOST=127.0.0.1
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
SASL_SSL_PORT=${KAFKA_SASL_SSL_PORT:-$((PORT + 2))}
SSL_PORT=${KAFKA_SSL_PORT:-$((PORT + 3))}
SASL_PLAIN_PORT=${KAFKA_SASL_PLAIN_PORT:-$((PORT + 4))}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
# 512 MiB is plenty for a single-node test broker and leaves the 2-core machine's memory to the rest.
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
# The broker's own main class: also what identifies our process in /proc/<pid>/cmdline.
MAIN=kafka.Kafka

say() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
seconds_since() { local ms=$(($(now_ms) - $1)); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }

for value in "$PORT" "$CONTROLLER_PORT" "$SASL_SSL_PORT" "$SSL_PORT" "$SASL_PLAIN_PORT" "$START_TIMEOUT" "$STOP_TIMEOUT"; do
  [[ "$value" =~ ^[0-9]+$ ]] || die "the KAFKA_*_PORT variables and the timeouts must be whole numbers (got '$value')"
done
[ "$(printf '%s\n' "$PORT" "$CONTROLLER_PORT" "$SASL_SSL_PORT" "$SSL_PORT" "$SASL_PLAIN_PORT" | sort -u | wc -l)" -eq 5 ] ||
  die "KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_SASL_SSL_PORT, KAFKA_SSL_PORT and KAFKA_SASL_PLAIN_PORT must differ ($PORT, $CONTROLLER_PORT, $SASL_SSL_PORT, $SSL_PORT, $SASL_PLAIN_PORT)"

# ---- probes ---------------------------------------------------------------------------------

port_listening() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

port_owner() {
  local owner=''
  if command -v ss >/dev/null 2>&1; then
    owner=$(ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1 || true)
  fi
  echo "${owner:-unknown program}"
}

# Prints the broker's pid when the pid file names a live process (not a zombie) whose command line
# runs kafka.Kafka with this run dir's server.properties: a pid reused by another program after a
# crash is never taken for ours, nor signalled.
broker_pid() {
  local pid state
  [ -s "$pid_file" ] || return 1
  pid=$(<"$pid_file")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- " $MAIN $props" || return 1
  echo "$pid"
}

running_port() {
  cat "$port_file" 2>/dev/null || echo "$PORT"
}

# ---- java and the classpath -----------------------------------------------------------------

java_bin() {
  local java
  if [ -n "${JAVA_HOME:-}" ]; then
    java="$JAVA_HOME/bin/java"
    [ -x "$java" ] || die "JAVA_HOME is $JAVA_HOME, but $java does not exist: fix or unset JAVA_HOME"
  else
    java=$(command -v java 2>/dev/null) ||
      die "java not found: Kafka 4.x needs Java 17 or later (apt-get install openjdk-17-jre-headless, or set JAVA_HOME)"
  fi
  # `java -version` prints e.g. 'openjdk version "17.0.15" 2025-04-15' (or "1.8.0_402" before Java 9).
  local version major
  version=$("$java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  major=${version%%.*}
  [ "$major" = 1 ] && major=$(echo "$version" | cut -d. -f2)
  [[ "$major" =~ ^[0-9]+$ ]] || die "could not read the Java version of $java (got '$version')"
  [ "$major" -ge 17 ] || die "$java is Java $version; Kafka 4.x needs Java 17 or later (set JAVA_HOME to a newer one)"
  echo "$java"
}


kafka_version() {
  # The version is in the name of the broker's jar on the classpath: .../kafka_2.13-4.4.0.jar
  tr ':' '\n' <<<"$1" | sed -n 's#.*/kafka_2\.13-\([^/]*\)\.jar$#\1#p' | head -n 1
}

# Compiles the readiness probe (scripts/kafka/KafkaReady.java) once per source and pom hash and
# prints the directory holding its class. Without javac (a JRE only), java's source-file mode runs
# the .java file directly; then this prints nothing.
probe_classes() {
  local java=$1 cp=$2 src="$files/KafkaReady.java" hash dir javac
  javac="$(dirname "$java")/javac"
  [ -x "$javac" ] || javac=$(command -v javac 2>/dev/null) || return 0
  hash=$( (sha256sum "$src" "$files/pom.xml") | sha256sum | cut -c1-16)
  dir="$cache_dir/probe-$hash"
  if [ ! -f "$dir/KafkaReady.class" ]; then
    rm -rf "$cache_dir"/probe-*
    mkdir -p "$dir.tmp"
    "$javac" -nowarn -d "$dir.tmp" -cp "$cp" "$src" >&2 || die "could not compile the readiness probe $src"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

# ---- configuration and storage --------------------------------------------------------------

# write_properties FILE
write_properties() {
  cat >"$1" <<EOF
# Written by scripts/kafka.sh at every start (edit the script, not this file).
# One KRaft node: broker and controller in one JVM, a static single-voter quorum.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT,SASL_SSL://$HOST:$SASL_SSL_PORT,SSL://$HOST:$SSL_PORT,SASL_PLAIN://$HOST:$SASL_PLAIN_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,SASL_SSL://$HOST:$SASL_SSL_PORT,SSL://$HOST:$SSL_PORT,SASL_PLAIN://$HOST:$SASL_PLAIN_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,SASL_PLAIN:SASL_SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$data_dir

# The authenticated listeners (as MSK and hosted services offer them): SCRAM-SHA-512 over TLS,
# TLS with a required client certificate, and PLAIN over TLS (its one user in the JAAS line).
# No authorizer: any authenticated client may do anything.
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plain.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plain.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$(plain_field username)="$(plain_field password)";
listener.name.ssl.ssl.client.auth=required
ssl.keystore.type=PKCS12
ssl.keystore.location=$auth_dir/broker.p12
ssl.keystore.password=$(<"$auth_dir/store.pass")
ssl.truststore.type=PEM
ssl.truststore.location=$auth_dir/ca.pem

# One broker: every replication factor is 1.
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
# Few internal partitions: created on first use (first group, first transaction), faster with one.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1

# Tests create every topic explicitly (with the partition count they mean); a typo must fail.
auto.create.topics.enable=false
num.partitions=1
delete.topic.enable=true

# Tests: a group's first join is not held back 3 s waiting for more members, and session timeouts
# down to 1 s are allowed, so rebalance and crash scenarios run quickly.
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000

# Records up to 10 MiB, so tests can send payloads above SQS's 1 MiB (the S3 claim check).
message.max.bytes=10485760
replica.fetch.max.bytes=10485760

# Sized for a 2-core machine shared with the emulators and the tests.
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
log.segment.bytes=16777216
log.index.size.max.bytes=1048576
log.retention.hours=168
EOF
}

# A KRaft cluster id: 16 random bytes in URL-safe base64 without padding (22 characters), as
# `kafka-storage random-uuid` prints, without starting a JVM for it. One starting with '-' would be
# read as an option by the storage tool (Kafka's own generator avoids those too).
new_cluster_id() {
  local id
  while true; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ "$id" == -* ]] || break
  done
  echo "$id"
}

format_storage() {
  local java=$1 cp=$2 id
  [ -f "$data_dir/meta.properties" ] && return 0
  id=$(new_cluster_id)
  mkdir -p "$data_dir"
  say "formatting KRaft storage in $data_dir (cluster id $id)"
  if ! "$java" -Xmx256m -Dlog4j2.configurationFile="$files/tools-log4j2.xml" -cp "$cp" \
    kafka.tools.StorageTool format -t "$id" -c "$props" >"$logs_dir/format.log" 2>&1; then
    cat "$logs_dir/format.log" >&2
    die "formatting the KRaft storage failed (log: $logs_dir/format.log)"
  fi
}

# ---- start ----------------------------------------------------------------------------------

with_lock() {
  # Serialises concurrent start/stop/reset calls (e.g. infra.sh and a test script at once). The
  # broker is launched with this descriptor closed, or it would hold the lock for its whole life.
  exec 9>"$run_dir/kafka.lock"
  flock -w 300 9 || die "another kafka.sh start/stop is still running (lock $run_dir/kafka.lock)"
}

# server.log spans many runs: remember where this start began, so a failure shows only its own lines.
server_log_offset=0
mark_server_log() {
  server_log_offset=$(stat -c %s "$logs_dir/server.log" 2>/dev/null || echo 0)
}

print_log_tails() {
  if [ -s "$logs_dir/kafka.out" ]; then
    echo "---- last lines of $logs_dir/kafka.out" >&2
    tail -n 40 "$logs_dir/kafka.out" >&2
  fi
  if [ "$(stat -c %s "$logs_dir/server.log" 2>/dev/null || echo 0)" -gt "$server_log_offset" ]; then
    echo "---- last lines of $logs_dir/server.log" >&2
    tail -c +$((server_log_offset + 1)) "$logs_dir/server.log" | tail -n 40 >&2
  else
    echo "---- $logs_dir/server.log got no line from this start" >&2
  fi
}

start() {
  mkdir -p "$run_dir" "$logs_dir" "$cache_dir"
  with_lock
  local t0 pid java cp version probe_dir rc=0
  t0=$(now_ms)
  kafka_auth_material "$auth_dir"
  kafka_plain_user "$auth_dir"
  if pid=$(broker_pid); then
    local its_port
    its_port=$(running_port)
    if [ "$its_port" != "$PORT" ]; then
      die "this repo's broker already runs on port $its_port (pid $pid); stop it first to use KAFKA_PORT=$PORT"
    fi
    if port_listening "$PORT"; then
      if ! config_current; then
        echo "kafka: the running broker (pid $pid) was started with another configuration than this kafka.sh" \
          "writes (an older one lacks the SASL_SSL $SASL_SSL_PORT, SSL $SSL_PORT or PLAIN $SASL_PLAIN_PORT listeners): run" \
          "'scripts/kafka.sh restart' to apply it (the data is kept)" >&2
      fi
      say "already running at $HOST:$PORT (pid $pid); nothing to do"
      return 0
    fi
    # Alive but not listening: a start that timed out earlier, still booting. Wait for it below.
    say "broker (pid $pid) is alive but not listening yet; waiting for it"
  else
    rm -f "$pid_file" "$port_file" "$config_hash_file"
    local port_var p
    for port_var in PORT CONTROLLER_PORT SASL_SSL_PORT SSL_PORT SASL_PLAIN_PORT; do
      p=${!port_var}
      if port_listening "$p"; then
        die "port $p is taken by another program ($(port_owner "$p")), not this repo's broker: free it or set KAFKA_$port_var"
      fi
    done
  fi

  java=$(java_bin)
  cp=$(maven_classpath "$files/pom.xml" "$cache_dir" "$logs_dir/maven.log" Kafka)
  version=$(kafka_version "$cp")
  probe_dir=$(probe_classes "$java" "$cp")

  if [ -z "${pid:-}" ]; then
    write_properties "$props"
    config_hash "$props" >"$config_hash_file"
    format_storage "$java" "$cp"
    say "starting Apache Kafka ${version:-?} (KRaft broker+controller) at $HOST:$PORT"
    echo "$PORT" >"$port_file"
    mark_server_log
    [ -f "$logs_dir/kafka.out" ] && mv -f "$logs_dir/kafka.out" "$logs_dir/kafka.out.1"
    # setsid: its own session, so it survives the calling shell and its terminal; nohup: ignores
    # SIGHUP. bash writes its own pid and then execs java, so the pid file holds the JVM's pid.
    # 9>&-: the child must not inherit the lock (see with_lock).
    # The JVM flags are the ones Kafka's own kafka-run-class.sh uses, plus a small heap.
    # shellcheck disable=SC2086 # HEAP_OPTS is a list of flags
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" \
      "$java" $HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dkafka.logs.dir="$logs_dir" -Dlog4j2.configurationFile="$files/log4j2.xml" \
      -cp "$cp" "$MAIN" "$props" >"$logs_dir/kafka.out" 2>&1 </dev/null 9>&- &
    # Not a job of this shell: bash would otherwise print its own "Killed" notice if it died here.
    disown
    local i
    for i in $(seq 1 50); do [ -s "$pid_file" ] && break; sleep 0.1; done
    pid=$(broker_pid) || { print_log_tails; die "the broker did not start (no live process for $pid_file)"; }
  fi

  # First wait, cheaply in bash, for the listener, so the probe's JVM does not compete with the
  # booting broker for the machine's 2 cores.
  local deadline=$((t0 + START_TIMEOUT * 1000))
  while ! port_listening "$PORT" && broker_pid >/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
    sleep 0.1
  done
  # Then wait until a real client gets answers (see KafkaReady.java): one JVM, retrying, watching the
  # pid, until the rest of the timeout.
  # TieredStopAtLevel=1: a short-lived JVM starts faster with the client compiler only.
  local -a probe=("$java" -Xmx128m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$files/tools-log4j2.xml")
  if [ -n "$probe_dir" ]; then
    probe+=(-cp "$probe_dir:$cp" KafkaReady)
  else
    probe+=(-cp "$cp" "$files/KafkaReady.java")
  fi
  # The probe also creates (or updates) the SCRAM user of the SASL_SSL listener once the broker answers.
  KAFKA_SCRAM_USER=$(scram_field username) KAFKA_SCRAM_PASSWORD=$(scram_field password) \
    "${probe[@]}" "$HOST:$PORT" "$pid" $(((deadline - $(now_ms)) / 1000 + 1)) >"$logs_dir/probe.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    cat "$logs_dir/probe.log" >&2
    print_log_tails
    if [ "$rc" -eq 3 ] && broker_pid >/dev/null; then
      stop_broker >&2 || true
      die "the broker did not answer at $HOST:$PORT within $START_TIMEOUT s (stopped it; logs: $logs_dir)"
    fi
    die "the broker failed to start (logs: $logs_dir)"
  fi
  local port
  for port in "$SASL_SSL_PORT" "$SSL_PORT" "$SASL_PLAIN_PORT"; do
    port_listening "$port" || { print_log_tails; die "the broker answers at $HOST:$PORT but not at $HOST:$port (logs: $logs_dir)"; }
  done
  say "Apache Kafka ${version:-?} ready at $HOST:$PORT, SASL_SSL (SCRAM-SHA-512) at $HOST:$SASL_SSL_PORT," \
    "SSL (client certificate) at $HOST:$SSL_PORT, SASL_SSL (PLAIN) at $HOST:$SASL_PLAIN_PORT (pid $pid, $(seconds_since "$t0"))"
}

config_hash() {
  sha256sum "$1" | cut -c1-16
}

# True when the running broker was started with the configuration this script writes now.
config_current() {
  local next="$props.next" rc=0
  write_properties "$next"
  [ "$(config_hash "$next")" = "$(cat "$config_hash_file" 2>/dev/null)" ] || rc=1
  rm -f "$next"
  return "$rc"
}

scram_field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$auth_dir/scram.json" "$1"
}

plain_field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$auth_dir/plain.json" "$1"
}

# ---- stop -----------------------------------------------------------------------------------

# SIGTERM starts Kafka's controlled shutdown (it flushes and closes the logs, so the next start
# needs no recovery); SIGKILL only when that takes longer than STOP_TIMEOUT.
stop_broker() {
  local pid i t0
  if ! pid=$(broker_pid); then
    rm -f "$pid_file" "$port_file" "$config_hash_file"
    say "not running"
    return 0
  fi
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $((STOP_TIMEOUT * 10))); do
    broker_pid >/dev/null || break
    sleep 0.1
  done
  if broker_pid >/dev/null; then
    say "broker (pid $pid) still running ${STOP_TIMEOUT} s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do broker_pid >/dev/null || break; sleep 0.1; done
    broker_pid >/dev/null && die "broker (pid $pid) is still running after SIGKILL"
  fi
  rm -f "$pid_file" "$port_file" "$config_hash_file"
  say "stopped (pid $pid, $(seconds_since "$t0"))"
}

stop() {
  mkdir -p "$run_dir"
  with_lock
  stop_broker
}

reset() {
  mkdir -p "$run_dir"
  with_lock
  stop_broker
  rm -rf "$data_dir"
  say "wiped $data_dir: the next start formats a new, empty cluster"
}

# ---- status and logs ------------------------------------------------------------------------

status() {
  local pid port
  port=$(running_port)
  if pid=$(broker_pid); then
    if port_listening "$port"; then
      echo "kafka: running at $HOST:$port (pid $pid, data $data_dir)"
      return 0
    fi
    echo "kafka: process $pid alive but not listening on $HOST:$port (starting or stopping)"
    return 3
  fi
  echo "kafka: stopped"
  return 3
}

logs() {
  local follow=0 lines=100 arg
  for arg in "$@"; do
    case "$arg" in
      -f | --follow) follow=1 ;;
      *)
        [[ "$arg" =~ ^[0-9]+$ ]] || die "logs: unknown argument '$arg' (use -f to follow, a number for the line count)"
        lines=$arg
        ;;
    esac
  done
  local log="$logs_dir/server.log"
  [ -f "$log" ] || die "no log yet at $log (start the broker first)"
  if [ "$follow" -eq 1 ]; then
    exec tail -n "$lines" -F "$log"
  fi
  tail -n "$lines" "$log"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  status) status ;;
  logs) shift; logs "$@" ;;
  reset) reset ;;
  *)
    echo "usage: $0 start|stop|restart|status|logs [-f] [lines]|reset" >&2
    exit 2
    ;;
esac
