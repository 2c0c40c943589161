#!/usr/bin/env bash
# Runs tripstate standalone (io.tripstate.app.Main), building it first when needed.
#   ./run.sh [config.json]     default: conf/config.json; environment overrides: REDIS_URL, REDIS_HOST,
#                              REDIS_PORT, REDIS_DB, REDIS_PASSWORD, ENABLE_CIRCUIT_BREAKER_PERSISTENCE, HTTP_PORT,
#                              TRIPSTATE_ADMIN_TOKEN, TRIPSTATE_API_TOKEN
# When no Redis answers on a loopback URL, the app starts one itself with its data in ./data.
# Clustered (Hazelcast, TCP join, no multicast): CLUSTER_MEMBERS=127.0.0.1:5701,127.0.0.1:5702 (every member, this
# one included, one by one), CLUSTER_PORT (this member's port, default 5701), CLUSTER_HOST (default 127.0.0.1),
# CLUSTER_HEARTBEAT_SECONDS (a member silent this long counts as crashed, default 60). With cluster.scope "cluster"
# one node owns the breakers; give the others cluster.standby true to take over when it stops or dies, e.g.
#   CLUSTER_MEMBERS=127.0.0.1:5701,127.0.0.1:5702 CLUSTER_PORT=5702 HTTP_PORT=8081 ./run.sh my-cluster.json
set -euo pipefail

# ./run.sh test [maven args]: the whole test suite (mvn -B verify), after installing with apt-get what the tests
# need beyond Java and Maven when it is missing: Chromium and its driver (the dashboard's browser test) and the
# Prometheus Python client (the metrics tests parse scrapes with it). Needs root or sudo for that step only.
if [[ "${1:-}" == test ]]; then
  cd "$(dirname "${BASH_SOURCE[0]}")"
  shift
  missing=()
  [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] || missing+=(chromium chromium-driver)
  /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || missing+=(python3-prometheus-client)
  if (( ${#missing[@]} )); then
    echo "installing for the tests: ${missing[*]}"
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo=sudo; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
  fi
  exec mvn -B verify "$@"
fi

# ./run.sh bench [--quick]: builds with the bench profile and runs the benchmarks of issue 5 (docs/BENCHMARKS.md),
# each in a JVM of its own, then prints the summary tables. Full run about 10 minutes on 2 cores plus
# SharingFigures (issue 10, about 3.5 minutes); --quick about 2-3 plus 1.5 on an idle machine (both take longer
# while other processes use the CPU).
#   A full run keeps a copy of its tables in target/bench-build/last-full; --quick then ends with a table of its
#   ratios against that run's (io.tripstate.bench.Compare), and labels in its own tables the figures it could not
#   measure comparably (not settled, or other processes took the CPU). ./run.sh bench --compare prints that table
#   again for the last run.
if [[ "${1:-}" == bench ]]; then
  cd "$(dirname "${BASH_SOURCE[0]}")"
  quick=""
  if [[ "${2:-}" == --quick ]]; then quick=--quick; fi
  out=target/bench-build/results
  full=target/bench-build/last-full
  compare() {
    if [[ -d $full ]]; then
      echo
      java -cp "target/bench-build/classes:target/bench-build/test-classes:$(cat target/bench-build/classpath.txt)" \
        io.tripstate.bench.Compare "$out" "$full"
    else
      echo "(no full run to compare with yet: ./run.sh bench keeps its tables in $full)"
    fi
  }
  if [[ "${2:-}" == --compare ]]; then
    compare
    exit 0
  fi
  started=$(date +%s)
  echo "building the bench profile..."
  mvn -B -q -Dstyle.color=never -Pbench test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-build/classpath.txt -Dmdep.includeScope=test
  rm -rf "$out" && mkdir -p "$out"
  cp="target/bench-build/classes:target/bench-build/test-classes:$(cat target/bench-build/classpath.txt)"
  jvm=(java -Xms1g -Xmx1g -Dbench.out="$out" -Djava.util.logging.config.file=src/test/resources/logging.properties -cp "$cp")
  for main in DecisionCore EventBusApi PersistenceCommands Restore Memory SharingFigures; do
    echo "== $main $quick"
    section=$(date +%s)
    "${jvm[@]}" io.tripstate.bench.$main $quick 2>&1 | grep -v '^SLF4J' | tee "$out/$main.log"
    echo "($main took $(( $(date +%s) - section )) s)"
  done
  echo "== PersistenceLatency (transition to Redis acknowledgement, ackAfterWrite off/on)"
  "${jvm[@]}" io.tripstate.bench.PersistenceLatency "$([[ -n $quick ]] && echo 500 || echo 5000)" 2>&1 \
    | grep -v '^SLF4J\| INFO ' | tee "$out/PersistenceLatency.log"
  echo
  echo "======== summary ($(nproc) cores, $(date -u +%FT%TZ), $(git describe --always --dirty 2>/dev/null)," \
    "$(( $(date +%s) - started )) s, load average $(cut -d' ' -f1-3 /proc/loadavg)) ========"
  cat "$out"/*.md
  if [[ -z $quick ]]; then
    rm -rf "$full" && cp -r "$out" "$full"
  else
    compare
  fi
  exit 0
fi

# ./run.sh demo: a breaker opened, the app SIGKILLed and restarted, the breaker still open, then closed after one
# trial; narrated, about 25 s, with its own Redis and temp folder (io.tripstate.app.demo.Demo).
main=io.tripstate.app.Main
if [[ "${1:-}" == demo ]]; then
  main=io.tripstate.app.demo.Demo
  shift
fi

# A relative config path is relative to where run.sh was called from, not to the repository.
if [[ $# -gt 0 && "$1" != /* && "$1" != -* ]]; then
  set -- "$PWD/$1" "${@:2}"
fi
cd "$(dirname "${BASH_SOURCE[0]}")"

jar=target/tripstate-0.1.0-SNAPSHOT.jar
classpath=target/classpath.txt
if [[ ! -f $jar || ! -f $classpath || -n "$(find src/main pom.xml -newer "$jar" -print -quit)" ]]; then
  echo "building tripstate (first run or sources changed)..."
  # maven.test.skip also skips compiling the tests: the app needs none, and a test being edited must not block it.
  mvn -B -q -Dstyle.color=never -Dmaven.test.skip=true package
  # The jar plugin leaves an up-to-date jar untouched; without this a touched pom.xml would rebuild on every run.
  touch "$jar"
fi

# Hazelcast warns at start unless it may read these JDK internals (its own recommended list).
jvm=()
if [[ -n "${CLUSTER_MEMBERS:-}" ]]; then
  jvm=(--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED)
fi

# The default sharing.instanceId starts with the host name, read from HOSTNAME (a shell variable, not always
# exported): the JVM does no DNS lookup for it.
export HOSTNAME="${HOSTNAME:-$(hostname 2>/dev/null || echo tripstate)}"

# exec: Ctrl-C and SIGTERM reach the JVM, whose shutdown hook stops everything in order.
exec java "${jvm[@]}" -Djava.util.logging.config.file=conf/logging.properties \
  -cp "$jar:$(cat "$classpath")" "$main" "$@"
