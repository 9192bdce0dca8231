#!/usr/bin/env bash
# One ctest entry of a JVM family: runs one test class (or pattern) of one Maven module
# against the given samsa binary, offline from ~/.m2 (tests/java/setup.sh filled it and
# compiled the classes). Exits 77 (skipped) when Maven or the compiled module is missing,
# or when every test it ran was skipped.
#   tests/java/run-test.sh [--project DIR] MODULE TEST_CLASS SAMSA_BINARY
# The project is this folder's (tests/java) unless --project names another Maven project,
# e.g. testkit/java for the testkit's own tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$here
if [[ ${1:-} == --project ]]; then
  project=$(cd "$2" && pwd)
  shift 2
fi
module=$1 test=$2 binary=$3
if ! command -v mvn >/dev/null 2>&1; then
  echo "run-test.sh: mvn not found; run scripts/test.sh (it installs Maven)" >&2
  exit 77
fi
if [[ ! -d "$project/$module/target/test-classes" ]]; then
  echo "run-test.sh: $project/$module is not compiled; run tests/java/setup.sh" >&2
  exit 77
fi
# ctest runs several classes of one module at once: each run gets its own surefire temp
# directory (under target/), or one run's clean-up deletes the other's booter jar
# ("Could not find or load main class ...ForkedBooter").
tmp="surefire-tmp-$$"
out=$(mktemp)
trap 'rm -rf "$project/$module/target/$tmp" "$out"' EXIT
mvn -o -B --no-transfer-progress -f "$project/pom.xml" -pl "$module" surefire:test \
  -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=true -Dsamsa.binary="$binary" \
  -DtempDir="$tmp" | tee "$out"
# A run whose every test was skipped (an assumption not met, e.g. a JDK missing) is a
# skip for ctest, not a pass.
summary=$(grep -E '^\[[A-Z]+\] Tests run: [0-9]+, Failures: 0, Errors: 0, Skipped: [0-9]+$' "$out" |
  tail -n 1 || true)
if [[ $summary =~ Tests\ run:\ ([0-9]+),.*Skipped:\ ([0-9]+)$ ]] &&
    [[ ${BASH_REMATCH[1]} -gt 0 && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]]; then
  echo "run-test.sh: every test of $test was skipped" >&2
  exit 77
fi
