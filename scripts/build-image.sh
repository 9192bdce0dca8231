#!/usr/bin/env bash
# Builds the container image samsa:local from the binary scripts/build.sh built: a
# FROM scratch image (samsa links statically) made from docker/Dockerfile.runtime, so
# no base image and no registry are needed.
#   scripts/build-image.sh [BINARY]          (default: build/samsa)
# Environment: IMAGE (default samsa:local); CONTAINER_ENGINE (podman or docker; default
# podman when installed). scripts/install-podman.sh sets podman up on Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-build/samsa}
image=${IMAGE:-samsa:local}
engine=${CONTAINER_ENGINE:-$(command -v podman >/dev/null 2>&1 && echo podman || echo docker)}

if [[ ! -x "$binary" ]]; then
  echo "build-image.sh: $binary not found; run scripts/build.sh first" >&2
  exit 1
fi
# A scratch image has no libc to load: the binary must be static.
if ldd "$binary" >/dev/null 2>&1 && ! ldd "$binary" 2>&1 | grep -q "statically linked"; then
  echo "build-image.sh: $binary is dynamically linked; build with -DSAMSA_STATIC_RUNTIME=ON" >&2
  exit 1
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
strip -o "$context/samsa" "$binary"
docker/image-rootfs.sh "$context/samsa" docker/server.properties "$context/image"
cp docker/Dockerfile.runtime "$context/image/Dockerfile"

# podman writes OCI images by default, which drop HEALTHCHECK: ask for Docker's format.
format=()
if [[ "$(basename "$engine")" == podman ]]; then format=(--format docker); fi
"$engine" build "${format[@]}" -t "$image" -f "$context/image/Dockerfile" "$context/image"
size=$("$engine" image inspect "$image" --format '{{.Size}}')
echo "built $image: $((size / 1024)) KiB"
