#!/usr/bin/env bash
# Runs tripstate standalone (io.tripstate.app.Main), building it first when needed.
#   ./run.sh [config.json]     default: conf/config.json; environment overrides: REDIS_URL, REDIS_HOST,
#                              REDIS_PORT, REDIS_DB, REDIS_PASSWORD, ENABLE_CIRCUIT_BREAKER_PERSISTENCE, HTTP_PORT
# When no Redis answers on a loopback URL, the app starts one itself with its data in ./data.
set -euo pipefail

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

# exec: Ctrl-C and SIGTERM reach the JVM, whose shutdown hook stops everything in order.
exec java -Djava.util.logging.config.file=conf/logging.properties \
  -cp "$jar:$(cat "$classpath")" io.tripstate.app.Main "$@"
