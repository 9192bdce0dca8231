#!/usr/bin/env bash
# Installs what samsa needs to build and test on Debian bookworm (run as root, or with
# sudo available). Idempotent: packages already installed are skipped, and apt is not
# touched at all when nothing is missing, so a warm machine returns in about a second.
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --build   build dependencies only
set -euo pipefail

BUILD_PKGS=(build-essential cmake pkg-config libboost-dev libspdlog-dev libfmt-dev
  libcli11-dev libgtest-dev libgmock-dev libsnappy-dev liblz4-dev libzstd-dev zlib1g-dev
  nlohmann-json3-dev
  python3)
# libssl-dev: @confluentinc/kafka-javascript builds its bundled librdkafka against it.
# maven + a JDK: the JVM families in tests/java (Java 17 is what they compile for).
TEST_PKGS=(kcat librdkafka-dev python3-kafka python3-confluent-kafka libssl-dev
  maven openjdk-17-jdk-headless python3-venv chromium)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" != "--build" ]]; then
  want+=("${TEST_PKGS[@]}")
  # The node clients need node and npm; keep an existing (possibly newer) Node.js.
  if ! command -v node >/dev/null 2>&1; then want+=(nodejs); fi
  if ! command -v npm >/dev/null 2>&1; then want+=(npm); fi
fi

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#want[@]} packages already installed"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
