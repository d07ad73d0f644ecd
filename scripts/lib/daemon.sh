# Sourced by the scripts that start local servers (aws-emulator.sh, apicurio.sh; they define
# `die`): a server started detached from its caller, and the checks that find it again.

# The pid in $1 if that process is alive and its command line contains $2 (so a pid reused by
# another program after a crash is never taken for ours, nor signalled).
live_pid() {
  local pidfile=$1 pattern=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern" || return 1
  echo "$pid"
}

# Who listens on TCP port $1, as ss names it.
port_owner() {
  local owner=''
  if command -v ss >/dev/null 2>&1; then
    owner=$(ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1 || true)
  fi
  echo "${owner:-unknown program}"
}

# Starts "$@" in its own session (so stop can signal the whole group, and it survives the
# calling shell), logging to $2 and writing its pid to $1 (the pid of the server itself:
# bash writes $$ and then execs it). Every descriptor of the caller is closed or redirected:
# a server that kept its caller's stdout or stderr would keep a caller that waits for them
# to close (node's execFile, a pipe) waiting for as long as the server runs.
spawn() {
  local pidfile=$1 log=$2
  shift 2
  [ -f "$log" ] && mv -f "$log" "$log.1"
  rm -f "$pidfile"
  # 9>&-: a start/stop lock must not be inherited, or the server would hold it forever.
  # shellcheck disable=SC2016 # expanded by the inner bash, on purpose
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >"$log" 2>&1 </dev/null 9>&- &
  # The inner bash writes its own pid and execs the server, so the pid file names the server
  # whether or not setsid had to fork. Wait for it so callers can rely on it.
  for _ in $(seq 1 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
  die "could not start $1 (no pid file $pidfile)"
}
