#!/usr/bin/env bash
# Runs samsa-testcontainers' tests for real: SamsaContainer started by Testcontainers through
# podman's Docker-compatible API, from the image samsa:local made of the given binary.
#   testkit/java/testcontainers/run-tests.sh SAMSA_BINARY [maven arguments...]
# Twice: compiled against and run with Testcontainers 1.21 (Spring Boot 3.5's), then 2.0
# (Spring Boot 4's, -Ptestcontainers2); the first run also installs the jar into ~/.m2, where
# the Spring Boot application tests take it as users do: boot3-it (Boot 3.5, Testcontainers
# 1.21) and boot4-it (Boot 4.0, Testcontainers 2.0), through @ServiceConnection. Offline
# (setup.sh filled ~/.m2 and compiled). Exits 77 (skipped) without podman, Maven or a
# compiled module; with them, a Docker API the tests cannot reach is a failure
# (-Dsamsa.requireDocker=true), not a skip. Containers and networks the tests leave behind
# are removed on the way out.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 SAMSA_BINARY [maven arguments...]" >&2; exit 2; }
binary=$(realpath "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
image=samsa:local

for tool in podman mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "run-tests.sh: $tool not found (scripts/install-podman.sh, scripts/test.sh)" >&2
    exit 77
  fi
done
for compiled in target boot3-it/target boot4-it/target; do
  if [[ ! -d "$here/$compiled/test-classes" ]]; then
    echo "run-tests.sh: $compiled is not compiled; run testkit/java/testcontainers/setup.sh" >&2
    exit 77
  fi
done

# The same image the container tests use, from this binary. podman's layer cache makes a
# rebuild from an unchanged binary take about a second and keep the image as it was, so
# it is simply always built: an image from an older binary is never tested by mistake.
IMAGE=$image CONTAINER_ENGINE=podman "$root/scripts/build-image.sh" "$binary"

work=$(mktemp -d)
sock="$work/podman.sock"
service_pid=""
# What existed before: only what the tests add is removed afterwards.
containers_before=$(podman ps -aq --no-trunc | sort)
networks_before=$(podman network ls -q | sort)
cleanup() {
  local rc=$?
  local leftover
  leftover=$(comm -13 <(echo "$containers_before") \
    <(podman ps -aq --no-trunc --filter label=org.testcontainers=true | sort))
  if [[ -n "$leftover" ]]; then
    echo "run-tests.sh: removing containers left behind: $(echo $leftover)" >&2
    podman rm -f $leftover >/dev/null 2>&1 || true
  fi
  leftover=$(comm -13 <(echo "$networks_before") \
    <(podman network ls -q --filter label=org.testcontainers=true | sort))
  if [[ -n "$leftover" ]]; then podman network rm -f $leftover >/dev/null 2>&1 || true; fi
  if [[ -n "$service_pid" ]]; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# podman's Docker API on a socket of our own, for as long as this script runs.
podman system service --time=0 "unix://$sock" >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 100); do
  if podman --remote --url "unix://$sock" version >/dev/null 2>&1; then break; fi
  if ! kill -0 "$service_pid" 2>/dev/null; then
    echo "run-tests.sh: podman system service exited:" >&2
    cat "$work/service.log" >&2
    exit 1
  fi
  sleep 0.1
done
if ! podman --remote --url "unix://$sock" version >/dev/null 2>&1; then
  echo "run-tests.sh: podman's API did not answer on $sock within 10 s" >&2
  exit 1
fi

# Testcontainers takes the API from DOCKER_HOST. Its reaper (Ryuk) is an image that cannot
# be pulled here: off; the trap above does its work.
export DOCKER_HOST="unix://$sock"
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_CHECKS_DISABLE=true
# Where a /.dockerenv exists (these VMs have one), Testcontainers believes it runs inside a
# container and reaches published ports through the default bridge's gateway, which podman
# forwards only for containers on that bridge: the host's own loopback works for all.
export TESTCONTAINERS_HOST_OVERRIDE=localhost

summary_of() {
  grep -E '^\[[A-Z]+\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$1" |
    tail -n 1 || true
}
run=0 skipped=0 runs=0
# NAME POM [maven arguments...]: one offline Maven run, its summary added to the counts.
run_maven() {
  local name=$1 pom=$2
  shift 2
  runs=$((runs + 1))
  local out="$work/mvn-$runs.log"
  echo "run-tests.sh: $name"
  mvn -o -B --no-transfer-progress -Dstyle.color=never -f "$pom" "$@" \
    -Dsamsa.image="$image" -Dsamsa.requireDocker=true -Dsurefire.failIfNoSpecifiedTests=false \
    "${maven_args[@]}" | tee "$out"
  local summary
  summary=$(summary_of "$out")
  if [[ $summary =~ Tests\ run:\ ([0-9]+),.*Skipped:\ ([0-9]+)$ ]]; then
    run=$((run + BASH_REMATCH[1])) skipped=$((skipped + BASH_REMATCH[2]))
  fi
}
maven_args=("$@")
# install: the Spring Boot tests below take this jar from ~/.m2, so it must be this tree's.
run_maven "Testcontainers 1.21" "$here/pom.xml" install
run_maven "Testcontainers 2.0 (-Ptestcontainers2)" "$here/pom.xml" -Ptestcontainers2 test
run_maven "Spring Boot 3.5 @ServiceConnection (Testcontainers 1.21)" "$here/boot3-it/pom.xml" test
run_maven "Spring Boot 4.0 @ServiceConnection (Testcontainers 2.0)" "$here/boot4-it/pom.xml" test
echo "run-tests.sh: $run tests run, $skipped skipped: SamsaContainer with Testcontainers 1.21 and 2.0, @ServiceConnection with Spring Boot 3.5 and 4.1"
