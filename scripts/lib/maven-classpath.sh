# Sourced by kafka.sh and aws-emulator.sh (which define `say` and `die`).
#
# maven_classpath POM CACHE_DIR LOG WHAT: prints the runtime classpath of POM's dependencies,
# resolved by Maven from Maven Central into ~/.m2 (nothing is copied), and cached in CACHE_DIR
# per pom hash: a changed pom, or a jar gone from ~/.m2, resolves again. WHAT names the server
# in messages. Maven gets BRIDGE_INSTALL_TIMEOUT seconds (600).
maven_classpath() {
  local pom=$1 cache_dir=$2 log=$3 what=$4 hash cp_file jar ok=1 cp
  local -a jars
  hash=$(sha256sum "$pom" | cut -c1-16)
  cp_file="$cache_dir/classpath-$hash.txt"
  if [ -s "$cp_file" ]; then
    IFS=: read -r -a jars <"$cp_file"
    for jar in "${jars[@]}"; do [ -f "$jar" ] || { ok=0; break; }; done
  else
    ok=0
  fi
  if [ "$ok" -ne 1 ]; then
    command -v mvn >/dev/null 2>&1 ||
      die "mvn not found: Maven is needed once to fetch $what from Maven Central (apt-get install maven)"
    say "resolving $what with Maven (the first time downloads it into ~/.m2)" >&2
    rm -f "$cache_dir"/classpath-*.txt
    # Bounded and never reading stdin (event-ruler.sh run's stdin is the oracle's input).
    if ! timeout -k 10 "${BRIDGE_INSTALL_TIMEOUT:-600}" mvn -B -q -Dstyle.color=never -f "$pom" \
      dependency:build-classpath -Dmdep.outputFile="$cp_file.tmp" </dev/null >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      die "Maven could not resolve $what from $pom within ${BRIDGE_INSTALL_TIMEOUT:-600}s (full log: $log)"
    fi
    mv "$cp_file.tmp" "$cp_file"
  fi
  cp=$(<"$cp_file")
  [ -n "$cp" ] || die "empty $what classpath in $cp_file"
  echo "$cp"
}
