#!/usr/bin/env bash
# Installs what the console's browser tests need: Debian's Chromium (apt; Playwright's own
# browser download cannot be used here) and the npm packages pinned by package-lock.json
# (@playwright/test, kafkajs). npm ci is skipped when node_modules was installed from this
# very lock file (a stamp, as scripts/test.sh does for tests/integration/node).
set -euo pipefail
cd "$(dirname "$0")"

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
  else
    echo "tests/console/setup.sh: /usr/bin/chromium is missing (apt-get install chromium as root); the console tests will be skipped" >&2
  fi
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "tests/console/setup.sh: npm not found; the console tests will be skipped" >&2
  exit 0
fi
stamp=node_modules/.samsa-installed-lock.json
if ! cmp -s package-lock.json "$stamp"; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
echo "tests/console/setup.sh: @playwright/test $(node -p 'require("@playwright/test/package.json").version'), $(/usr/bin/chromium --version 2>/dev/null || echo 'no chromium')"
