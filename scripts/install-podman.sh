#!/usr/bin/env bash
# Installs podman and podman-compose (Debian packages) for the container tests and
# scripts/build-image.sh, and configures what this kind of VM needs: the runc runtime
# (crun fails on hybrid cgroups), cgroupfs, and no default ulimits. Idempotent.
# Environment: SKIP_DEPS=1 skips apt (the packages are then expected to be there).
set -euo pipefail

if [[ "${SKIP_DEPS:-0}" != 1 ]] && ! command -v podman-compose >/dev/null 2>&1; then
  sudo=""
  if [[ $(id -u) != 0 ]]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    podman podman-compose runc iptables uidmap netavark aardvark-dns slirp4netns \
    fuse-overlayfs >/dev/null
fi

conf=/etc/containers/containers.conf
if [[ $(id -u) == 0 ]] && ! grep -q 'runtime = "runc"' "$conf" 2>/dev/null; then
  mkdir -p /etc/containers
  cat >"$conf" <<'CONF'
# Written by samsa's scripts/install-podman.sh.
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
fi
podman --version
