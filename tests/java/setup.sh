#!/usr/bin/env bash
# Downloads every pinned dependency of the JVM test families into ~/.m2 (Maven's standard
# cache), compiles them and installs the shared support module, so that ctest can run each
# test class offline (tests/java/run-test.sh). Runs the test phase with a filter that
# matches no test: that also resolves Surefire's JUnit provider, which Maven fetches only
# when tests run. Offline first (a warm cache needs no network), online when that fails.
set -euo pipefail
cd "$(dirname "$0")"
args=(-B --no-transfer-progress install -Dtest=NoTestMatchesThis
      -Dsurefire.failIfNoSpecifiedTests=false)
if ! mvn -o -q "${args[@]}" >/tmp/samsa-java-setup-offline.log 2>&1; then
  echo "tests/java/setup.sh: resolving dependencies from Maven Central"
  mvn "${args[@]}" -q
fi
echo "tests/java/setup.sh: JVM test families compiled"
