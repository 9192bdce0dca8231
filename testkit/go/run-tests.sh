#!/usr/bin/env bash
# samsatest's own tests (ctest entry go.testkit) against $SAMSA_BINARY, offline: the module
# has no dependencies, and tests/go/setup.sh has warmed Go's build cache. Exits 77 (ctest:
# skipped) when go is not installed.
#   testkit/go/run-tests.sh [extra go test flags]
set -uo pipefail
cd "$(dirname "$0")"
if ! command -v go >/dev/null 2>&1; then
  echo "run-tests.sh: go not found; samsatest's tests are skipped" >&2
  exit 77
fi
if [[ -z ${SAMSA_BINARY:-} ]]; then
  echo "run-tests.sh: SAMSA_BINARY is not set" >&2
  exit 1
fi
export GOFLAGS="-mod=mod" GOPROXY=off GOTOOLCHAIN=local
go vet ./... || exit 1
exec go test -count=1 -v "$@" ./...
