#!/usr/bin/env bash
# One ctest entry of the Go family: runs one test of bin/franz.test (built by setup.sh)
# against $SAMSA_BINARY. Exits 77 (ctest: skipped) when the test binary has not been
# built, or when the test itself was skipped (a samsa finding marked with t.Skip).
#   tests/go/run-test.sh TestName [extra go test flags]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/bin/franz.test
if [[ ! -x $bin ]]; then
  echo "run-test.sh: $bin is not built; run tests/go/setup.sh" >&2
  exit 77
fi
if [[ -z ${SAMSA_BINARY:-} ]]; then
  echo "run-test.sh: SAMSA_BINARY is not set" >&2
  exit 1
fi
name=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" -test.run "^${name}\$" -test.v -test.count=1 "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if [[ $rc == 0 ]] && grep -q "^--- SKIP: ${name} " "$out"; then
  exit 77
fi
exit "$rc"
