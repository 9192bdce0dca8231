#!/usr/bin/env bash
# Downloads what samsa-testcontainers needs into ~/.m2 (Maven's standard cache) and compiles
# it, against Testcontainers 1.21 and 2.0 (-Ptestcontainers2), with its Spring Boot tests
# (boot3-it: Boot 3.5, boot4-it: Boot 4.1), so that run-tests.sh works offline. Only the
# Docker-less test classes run here: Surefire fetches its JUnit provider only when a test
# really runs. The 1.21 build is installed (its parent POM, testkit/java/pom.xml, with it,
# non-recursively) for projects that depend on it, the Spring Boot tests among them. Offline
# first (a warm cache needs no network), online when that fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
steps=(
  "-f $here/../pom.xml -N install"
  "-f $here/pom.xml install -Dtest=SamsaContainerSettingsTest"
  "-f $here/pom.xml -Ptestcontainers2 test -Dtest=SamsaContainerSettingsTest"
  "-f $here/boot3-it/pom.xml test -Dtest=FactoryRegistrationTest"
  "-f $here/boot4-it/pom.xml test -Dtest=FactoryRegistrationTest"
)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for step in "${steps[@]}"; do
  # shellcheck disable=SC2086 # each step is a list of words
  if ! mvn -o -q -B --no-transfer-progress $step >"$log" 2>&1; then
    echo "testcontainers/setup.sh: resolving from Maven Central (mvn $step)"
    mvn -q -B --no-transfer-progress $step
  fi
done
echo "testcontainers/setup.sh: samsa-testcontainers compiled (Testcontainers 1.21 and 2.0, Spring Boot 3.5 and 4.1)"
