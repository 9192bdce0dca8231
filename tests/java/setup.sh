#!/usr/bin/env bash
# Downloads every pinned dependency of the JVM test families into ~/.m2 (Maven's standard
# cache), compiles them and installs the shared support module, so that ctest can run each
# test class offline (tests/java/run-test.sh). First the JVM testkit (testkit/java: the
# Spring tests here use its @EmbeddedSamsa), installed into ~/.m2 with its tests compiled,
# then this project. The test phase runs only each module's SurefireProviderProbe (no broker
# needed): Surefire fetches its JUnit provider and launcher only when a test really runs,
# and run-test.sh needs them offline. Offline first (a warm cache needs no network), online
# when that fails.
set -euo pipefail
cd "$(dirname "$0")"
args=(-B --no-transfer-progress install -Dtest=SurefireProviderProbe
      -Dsurefire.failIfNoSpecifiedTests=false)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
install() { # POM WHAT
  if ! mvn -o -q -f "$1" "${args[@]}" >"$log" 2>&1; then
    echo "tests/java/setup.sh: resolving dependencies of $2 from Maven Central"
    mvn -q -f "$1" "${args[@]}"
  fi
}
install ../../testkit/java/pom.xml "the JVM testkit"
echo "tests/java/setup.sh: JVM testkit installed"
install pom.xml "the JVM test families"
echo "tests/java/setup.sh: JVM test families compiled"
