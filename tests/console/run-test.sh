#!/usr/bin/env bash
# One ctest entry of the console family: runs Playwright on one spec file of
# tests/console/specs (optionally narrowed by -g TITLE) against $SAMSA_BINARY. Exits 77
# (ctest: skipped) when setup.sh has not installed the packages or Chromium is missing.
#   tests/console/run-test.sh poison.spec.mjs [playwright options]
# Screenshots for the README: SAMSA_CONSOLE_SCREENSHOTS=docs/images (relative to the
# repository) also writes each console-*.png there.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d $here/node_modules/@playwright/test ]] \
   || ! cmp -s "$here/package-lock.json" "$here/node_modules/.samsa-installed-lock.json"; then
  echo "run-test.sh: $here/node_modules is not set up; run tests/console/setup.sh" >&2
  exit 77
fi
chromium=${SAMSA_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "run-test.sh: $chromium not found (apt-get install chromium); skipped" >&2
  exit 77
fi
if [[ -z ${SAMSA_BINARY:-} ]]; then
  echo "run-test.sh: SAMSA_BINARY is not set" >&2
  exit 1
fi
cd "$here"
spec=$1
shift
# Each ctest entry has its own output folder, so entries running in parallel do not
# clear each other's traces.
exec node node_modules/@playwright/test/cli.js test "specs/$spec" --output "test-results/${spec%.spec.mjs}" "$@"
