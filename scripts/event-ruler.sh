#!/usr/bin/env bash
# AWS Event Ruler (software.amazon.event.ruler:event-ruler, Apache-2.0) as a line-oriented oracle
# for the filter matcher's differential test (test/unit/filter/differential.test.ts).
#   event-ruler.sh build   resolve Event Ruler with Maven into ~/.m2 (first time), compile
#                          scripts/event-ruler/RulerOracle.java under $BRIDGE_RUN_DIR/event-ruler
#   event-ruler.sh run     build if needed, then run the oracle: pattern/event line pairs on stdin,
#                          one verdict line per pair on stdout (see RulerOracle.java)
# Idempotent: the classpath is cached per pom hash and the class recompiled only when the source
# or the classpath changed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "event-ruler: $*" >&2; }
die() { echo "event-ruler: $*" >&2; exit 1; }
# shellcheck source=scripts/lib/maven-classpath.sh
source "$here/lib/maven-classpath.sh"
repo=$(cd "$here/.." && pwd)
run_dir=${BRIDGE_RUN_DIR:-$repo/.run}
dir="$run_dir/event-ruler"
mkdir -p "$dir"
source_file="$here/event-ruler/RulerOracle.java"

build() {
  command -v javac >/dev/null 2>&1 || die "javac not found: a JDK 17+ is needed (the broker's)"
  local cp stamp
  cp=$(maven_classpath "$here/event-ruler/pom.xml" "$dir" "$dir/maven.log" "Event Ruler")
  stamp=$( (sha256sum "$source_file"; echo "$cp") | sha256sum | cut -c1-16)
  if [ ! -f "$dir/classes/RulerOracle.class" ] || [ "$(cat "$dir/classes.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$dir/classes.tmp" && mkdir -p "$dir/classes.tmp"
    if ! javac -d "$dir/classes.tmp" -cp "$cp" "$source_file" >"$dir/javac.log" 2>&1; then
      cat "$dir/javac.log" >&2
      die "RulerOracle.java does not compile"
    fi
    rm -rf "$dir/classes" && mv "$dir/classes.tmp" "$dir/classes"
    echo "$stamp" >"$dir/classes.stamp"
  fi
  echo "$dir/classes:$cp"
}

case ${1:-run} in
  build) build >/dev/null ;;
  run)
    cp=$(build)
    exec java -XX:+UseSerialGC -Xshare:auto -XX:TieredStopAtLevel=1 -cp "$cp" RulerOracle
    ;;
  *) die "usage: event-ruler.sh build|run" ;;
esac
