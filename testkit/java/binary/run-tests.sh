#!/usr/bin/env bash
# samsa-binary's ctest entry: packages the given samsa binary into this module's jar (its
# debug information stripped) and runs CarriedBinaryTest against that jar, in two JVMs, with
# the binary reachable only through the classpath. Offline: tests/java/setup.sh resolved this
# module's plugins (it is built there too, without a binary, making only its pom). Nothing is
# installed into ~/.m2 (verify, not install). Exits 77 (skipped) without Maven or when setup
# has not run.
#   testkit/java/binary/run-tests.sh SAMSA_BINARY [maven arguments...]
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 SAMSA_BINARY [maven arguments...]" >&2; exit 2; }
binary=$(realpath "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v mvn >/dev/null 2>&1; then
  echo "run-tests.sh: mvn not found; run scripts/test.sh (it installs Maven)" >&2
  exit 77
fi
if [[ ! -d "$here/target/test-classes" ]]; then
  echo "run-tests.sh: the module is not compiled; run tests/java/setup.sh" >&2
  exit 77
fi
# SAMSA_BINARY set by the caller must not decide the test: Surefire drops it anyway, and here
# it is dropped for Maven too.
unset SAMSA_BINARY SAMSA_BOOTSTRAP
exec mvn -o -B --no-transfer-progress -Dstyle.color=never -f "$here/pom.xml" verify \
  -Dsamsa.binary="$binary" "$@"
