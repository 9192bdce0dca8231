"""Runs a compose file written for another Kafka image, with samsa's image, and checks
that clients reach the broker from the host (localhost:9092) and from a container on the
compose network (by service name), as they would with that image.

    test_compose.py --samsa BUILD/samsa --case wurstmeister|apache|bitnami|confluent|project

The image samsa:local must exist (scripts/build-image.sh; tests/container/setup.sh builds
it). Healthchecks are run with `podman healthcheck run`, which executes the image's
HEALTHCHECK command (`samsa health`) as Docker's timer would; podman needs systemd for
the timer itself. Exit codes: 0 pass, 1 fail, 77 skipped (no podman or no image). The
compose project, its containers, network and volumes are removed at the end.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
IMAGE = "samsa:local"

# file, service, the address containers on the compose network use (None: the file
# advertises only localhost, so only the bootstrap connection works from there), topics
# the file creates at start, whether it keeps data on a named volume across a restart.
CASES = {
    "wurstmeister": dict(file="compose/wurstmeister.yml", service="kafka", internal=None,
                         topics={"orders": 12, "chat": 1}, topic="orders"),
    "apache": dict(file="compose/apache.yml", service="broker", internal="broker:19092"),
    "bitnami": dict(file="compose/bitnami.yml", service="kafka", internal="kafka:9092"),
    "confluent": dict(file="compose/confluent.yml", service="broker", internal="broker:29092"),
    "project": dict(file=os.path.join(ROOT, "docker", "docker-compose.yml"), service="kafka",
                    internal="kafka:29092", restart=True),
}


class Failure(Exception):
    pass


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(args, timeout=120, check_rc=True, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check_rc and result.returncode != 0:
        raise Failure(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def wait_healthy(container, deadline_s=30.0):
    """Runs the image's healthcheck until it passes; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if run(["podman", "healthcheck", "run", container], check_rc=False).returncode == 0:
            return time.monotonic() - started
        time.sleep(0.1)
    logs = run(["podman", "logs", container], check_rc=False)
    raise Failure(f"{container} not healthy within {deadline_s} s:\n{logs.stdout}{logs.stderr}")


def kcat_roundtrip(bootstrap, topic, count):
    lines = "".join(f"key-{i}:value-{i}\n" for i in range(count))
    run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", ":"], input=lines, timeout=60)
    return consume_count(bootstrap, topic)


def consume_count(bootstrap, topic):
    out = run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
               "-f", "%k=%s\n"], timeout=60).stdout
    return sorted(line for line in out.splitlines() if line)


def cluster_info(samsa_args):
    out = run(samsa_args + ["cluster", "info", "--format", "json"]).stdout
    return json.loads(out)


def container_of(project, service):
    out = run(["podman", "ps", "-a", "--filter", f"label=io.podman.compose.project={project}",
               "--filter", f"label=com.docker.compose.service={service}",
               "--format", "{{.Names}}"]).stdout.split()
    check(len(out) == 1, f"expected one container for service {service}, found {out}")
    return out[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samsa", required=True)
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    args = parser.parse_args()
    if shutil.which("podman") is None or shutil.which("podman-compose") is None:
        print("SKIP: podman or podman-compose not installed (scripts/install-podman.sh)")
        return 77
    if run(["podman", "image", "exists", IMAGE], check_rc=False).returncode != 0:
        print(f"SKIP: no image {IMAGE} (scripts/build-image.sh)")
        return 77
    case = CASES[args.case]
    project = f"samsa-it-{args.case}"
    compose = ["podman-compose", "-p", project, "-f", os.path.join(HERE, case["file"])]
    try:
        scenario(args.samsa, case, project, compose)
        log("PASS")
        return 0
    except (Failure, subprocess.TimeoutExpired) as e:
        log(f"FAIL: {e}")
        for name in run(["podman", "ps", "-a", "--filter",
                         f"label=io.podman.compose.project={project}", "--format",
                         "{{.Names}}"], check_rc=False).stdout.split():
            logs = run(["podman", "logs", name], check_rc=False)
            print(f"--- logs of {name}\n{logs.stdout}{logs.stderr}")
        return 1
    finally:
        run(compose + ["down", "-v"], check_rc=False, timeout=120)
        run(["podman", "network", "rm", "-f", f"{project}_default"], check_rc=False)
        for volume in run(["podman", "volume", "ls", "-q", "--filter",
                           f"label=io.podman.compose.project={project}"],
                          check_rc=False).stdout.split():
            run(["podman", "volume", "rm", "-f", volume], check_rc=False)


def scenario(samsa, case, project, compose):
    up_started = time.monotonic()
    run(compose + ["up", "-d"], timeout=180)
    container = container_of(project, case["service"])
    healthy_s = wait_healthy(container)
    log(f"{container}: healthy {time.monotonic() - up_started:.2f} s from `podman-compose up` "
        f"({healthy_s:.2f} s of that in healthchecks, each a `podman exec`)")

    # A client on the host, through the published port, sees the broker as localhost.
    info = json.loads(run([samsa, "cluster", "info", "-b", "localhost:9092", "--format",
                           "json"]).stdout)
    check([(b["host"], b["port"]) for b in info["brokers"]] == [("localhost", 9092)],
          f"host clients should be sent to localhost:9092, got {info['brokers']}")
    for name, partitions in case.get("topics", {}).items():
        meta = json.loads(run(["kcat", "-L", "-b", "localhost:9092", "-t", name, "-J"]).stdout)
        got = [len(t["partitions"]) for t in meta["topics"] if t["topic"] == name]
        check(got == [partitions], f"topic {name}: expected {partitions} partitions, got {got}")
    topic = case.get("topic", "compose-check")
    want = sorted(f"key-{i}=value-{i}" for i in range(100))
    check(kcat_roundtrip("localhost:9092", topic, 100) == want,
          "the host's records did not come back whole")

    # A client in another container on the compose network, by service name: the image
    # itself, running its CLI.
    network = f"{project}_default"
    in_network = ["podman", "run", "--rm", "--network", network, IMAGE]
    bootstrap = case["internal"] or f"{case['service']}:9092"
    run(in_network + ["health", "-b", bootstrap])
    info = json.loads(run(in_network + ["cluster", "info", "-b", bootstrap, "--format",
                                        "json"]).stdout)
    if case["internal"]:
        host_name, port = case["internal"].split(":")
        check([(b["host"], b["port"]) for b in info["brokers"]] == [(host_name, int(port))],
              f"containers should be sent to {case['internal']}, got {info['brokers']}")
    check(info["topics"] >= 1, f"the in-network client sees no topics: {info}")
    if case["internal"]:
        # Produce and consume from the network too (the leader is reached through the
        # advertised internal address, not just the bootstrap connection).
        lines = "".join(f"net-{i}:in-network-{i}\n" for i in range(50))
        run(["podman", "run", "--rm", "-i", "--network", network, IMAGE, "produce", topic,
             "-b", bootstrap, "-k", ":"], input=lines)
        out = run(in_network + ["consume", topic, "-b", bootstrap, "-e", "--format", "json"])
        records = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        got = sorted(f"{r['key']}={r['value']}" for r in records)
        check(got == sorted(want + [f"net-{i}=in-network-{i}" for i in range(50)]),
              f"in-network consume read {len(got)} records, not the 150 written")
        want = got
        log(f"in-network produce and consume through {bootstrap}: {len(got)} records")

    # docker stop: SIGTERM, a clean stop well within Docker's 10 s grace period.
    stop_started = time.monotonic()
    run(["podman", "stop", "-t", "10", container], timeout=30)
    stop_s = time.monotonic() - stop_started
    state = run(["podman", "inspect", container, "--format", "{{.State.ExitCode}}"]).stdout.strip()
    logs = run(["podman", "logs", container], check_rc=False)
    check(state == "0", f"exit code {state} after SIGTERM")
    check("stopped cleanly" in logs.stdout + logs.stderr, "no clean-stop line in the log")
    log(f"{container}: stopped cleanly in {stop_s:.2f} s")

    if case.get("restart"):
        run(["podman", "start", container])
        wait_healthy(container)
        check(consume_count("localhost:9092", topic) == want,
              "records were lost across the restart on the same volume")
        log(f"{container}: restarted on its volume with every record")


if __name__ == "__main__":
    sys.exit(main())
