#!/usr/bin/env bash
# Downloads the Go test dependencies pinned by go.mod/go.sum (franz-go, kadm) into Go's
# module cache and builds the test binary bin/franz.test once, so ctest runs it without
# compiling; warms the build cache for testkit/go too. Fast when warm: go's build cache makes the rebuild a no-op link check.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v go >/dev/null 2>&1; then
  echo "tests/go/setup.sh: go not found; the Go client tests will be skipped" >&2
  exit 0
fi
export GOFLAGS="${GOFLAGS:-} -mod=readonly"
go mod download
mkdir -p bin
go test -c -o bin/franz.test ./franz
# samsatest (testkit/go, no dependencies; the franz tests use it through go.mod's replace):
# vet it and compile its tests once, so ctest's go.testkit entry runs from the build cache.
(cd ../../testkit/go && go vet ./... && go test -count=1 -run '^$' ./... >/dev/null)
echo "tests/go/setup.sh: built tests/go/bin/franz.test ($(go version | awk '{print $3}'))"
