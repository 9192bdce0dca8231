#!/usr/bin/env bash
# Installs podman and podman-compose (scripts/install-podman.sh) and builds the image
# samsa:local from the release binary, for the container tests. scripts/test.sh runs it
# after the build. Environment: SAMSA_BINARY (default build/samsa).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-podman.sh
scripts/build-image.sh "${SAMSA_BINARY:-build/samsa}"
