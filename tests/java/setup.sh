#!/usr/bin/env bash
# Downloads every pinned dependency of the JVM test families into ~/.m2 (Maven's standard
# cache), compiles them and installs the shared support module, so that ctest can run each
# test class offline (tests/java/run-test.sh). The test phase runs only each module's
# SurefireProviderProbe (no broker needed): Surefire fetches its JUnit provider and
# launcher only when a test really runs, and run-test.sh needs them offline. Offline
# first (a warm cache needs no network), online when that fails.
set -euo pipefail
cd "$(dirname "$0")"
args=(-B --no-transfer-progress install -Dtest=SurefireProviderProbe
      -Dsurefire.failIfNoSpecifiedTests=false)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! mvn -o -q "${args[@]}" >"$log" 2>&1; then
  echo "tests/java/setup.sh: resolving dependencies from Maven Central"
  mvn "${args[@]}" -q
fi
echo "tests/java/setup.sh: JVM test families compiled"
