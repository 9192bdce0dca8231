#!/usr/bin/env bash
# Installs build and test dependencies, builds, installs the Node.js test clients and runs
# every test (unit and integration, through ctest). Exits non-zero if any test fails.
#   scripts/test.sh [extra ctest arguments, e.g. -L unit or -R kcat]
# Environment: SKIP_DEPS=1 skips the apt step; CTEST_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { echo "test.sh: $1 ($SECONDS s since the start)"; }
if [[ "${SKIP_DEPS:-0}" != 1 ]]; then scripts/install-deps.sh; fi
stage "dependencies installed"

# The build is CPU-bound; the test clients' setups below mostly wait on downloads (npm,
# Maven Central, the Go proxy, PyPI). So the build runs beside them, its output kept
# in a file and shown once it is done; only the container image needs the binary.
build_log=$(mktemp)
scripts/build.sh >"$build_log" 2>&1 &
build_pid=$!
trap 'kill "$build_pid" 2>/dev/null || true; rm -f "$build_log"' EXIT

# The Node.js clients (kafkajs, @platformatic/kafka), pinned by package-lock.json.
# npm ci is skipped when node_modules was installed from this very lock file.
NODE_DIR=tests/integration/node
STAMP=$NODE_DIR/node_modules/.samsa-installed-lock.json
if command -v npm >/dev/null 2>&1; then
  if ! cmp -s "$NODE_DIR/package-lock.json" "$STAMP"; then
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$NODE_DIR/package-lock.json" "$STAMP"
  fi
  # @confluentinc/kafka-javascript (librdkafka 2.15): the client that speaks the KIP-848
  # consumer protocol. Its native build takes ~4 minutes, so it has its own folder and
  # stamp; CKJS_LINKING=dynamic builds its bundled librdkafka against Debian's -dev
  # libraries instead of downloading sources from outside the npm registry.
  NODE848_DIR=tests/integration/node848
  STAMP848=$NODE848_DIR/node_modules/.samsa-installed-lock.json
  if ! cmp -s "$NODE848_DIR/package-lock.json" "$STAMP848"; then
    (cd "$NODE848_DIR" && CKJS_LINKING=dynamic npm ci --no-audit --no-fund --loglevel=error)
    cp "$NODE848_DIR/package-lock.json" "$STAMP848"
  fi
else
  echo "test.sh: npm not found; the Node.js client tests will be skipped" >&2
fi
stage "Node.js clients installed"

# The ecosystem families (tests/java, tests/go, tests/python, tests/console): each
# setup.sh downloads its pinned dependencies into the language's standard cache and
# builds what ctest runs; tests/console's installs Chromium and its pinned npm packages.
# tests/java/setup.sh also installs the Java testkit (testkit/java), which the Spring tests
# use; the Testcontainers module has its own, for both Testcontainers generations.
for setup in tests/java/setup.sh testkit/java/testcontainers/setup.sh tests/go/setup.sh \
             tests/python/setup.sh tests/console/setup.sh; do
  if [[ -x "$setup" ]]; then
    "$setup"
    stage "$setup done"
  fi
done

if ! wait "$build_pid"; then
  cat "$build_log"
  echo "test.sh: scripts/build.sh failed" >&2
  exit 1
fi
cat "$build_log"
stage "samsa built"
# tests/container: podman, and the image samsa:local made from the release binary.
if [[ -x tests/container/setup.sh ]]; then
  tests/container/setup.sh
  stage "tests/container/setup.sh done"
fi

cd build
ctest --output-on-failure -j "${CTEST_JOBS:-2}" --timeout 900 "$@"
