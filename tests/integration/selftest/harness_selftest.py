"""Checks the harness itself against selftest/fake_samsa.py (not a broker): readiness via
ApiVersions v0, SIGTERM stop, restart on the same port and data dir, kill -9, the error
for a broker that exits early, cleanup of processes and temp dirs."""
import os
import stat
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness  # noqa: E402
from harness import Broker, TestFailure, check, log  # noqa: E402


def make_fake_binary(tmp):
    path = os.path.join(tmp, "samsa")
    fake = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_samsa.py")
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\nexec {sys.executable} {fake} \"$@\"\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def main():
    tmp = tempfile.mkdtemp(prefix="samsa-selftest-")
    binary = make_fake_binary(tmp)
    checks = 0

    with Broker(binary) as b:
        check(b.api_versions == {0: (0, 9), 18: (0, 3)}, f"api versions {b.api_versions}")
        port, data, workdir = b.port, b.data_dir, b.workdir
        check(os.path.isdir(data), "data dir created by the fake")
        first_pid = b.proc.pid
        b.restart()
        check(b.port == port and b.proc.pid != first_pid, "restart keeps the port, new pid")
        b.kill9()
        check(not b.running(), "kill9 leaves no process")
        b.start()
        check(b.starts == 3, f"starts counted: {b.starts}")
        check("start #3" in b.log_text(), "log has a marker per start")
        check("SIGTERM" in b.log_text(), "log captured the fake's stdout")
        checks += 6
    check(not os.path.exists(workdir), "temp dir removed after the with block")
    checks += 1

    os.environ["FAKE_SAMSA_MODE"] = "exit"
    try:
        Broker(binary).start()
        raise AssertionError("start() should fail for a binary that exits")
    except TestFailure as e:
        check("exited with code 3" in str(e), f"early exit reported: {e}")
        checks += 1
    harness._cleanup_all()
    check(not harness._live_brokers, "atexit cleanup empties the registry")
    checks += 1

    os.environ["FAKE_SAMSA_MODE"] = "hang"
    b = Broker(binary).start()
    try:
        b.stop(timeout=1)
        raise AssertionError("stop() should fail when SIGTERM is ignored")
    except TestFailure as e:
        check("ignored SIGTERM" in str(e), f"hang reported: {e}")
        check(not b.running(), "hung broker was killed")
        checks += 2
    b.cleanup()
    os.environ.pop("FAKE_SAMSA_MODE")

    # Readiness is bounded: nothing listening -> a clear failure, not a hang.
    try:
        harness.api_versions_v0("127.0.0.1", harness.free_port(), timeout=0.5)
        raise AssertionError("connect to a closed port should fail")
    except OSError:
        checks += 1

    # A harness killed with SIGKILL (no atexit) must not leave its broker running.
    import signal
    import subprocess
    import time
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; sys.path.insert(0, %r); import harness; "
         "b = harness.Broker(%r).start(); print(b.proc.pid, flush=True); time.sleep(60)"
         % (os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."), binary)],
        stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    while not line.strip().isdigit():
        line = child.stdout.readline()
    broker_pid = int(line)
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and os.path.exists(f"/proc/{broker_pid}"):
        with open(f"/proc/{broker_pid}/stat") as f:
            if f.read().split(")")[-1].split()[0] == "Z":
                break  # a zombie is dead already, only not reaped yet
        time.sleep(0.05)
    alive = os.path.exists(f"/proc/{broker_pid}")
    if alive:
        with open(f"/proc/{broker_pid}/stat") as f:
            alive = f.read().split(")")[-1].split()[0] != "Z"
    check(not alive, f"broker {broker_pid} outlived its killed harness")
    checks += 1

    import shutil
    shutil.rmtree(tmp)
    log(f"harness self-test: {checks} checks passed")
    print("PASS harness_selftest")


if __name__ == "__main__":
    main()
