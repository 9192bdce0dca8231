"""The one way the tests in tests/python start samsa: the `broker` fixture (and
`broker_factory` for brokers with extra overrides).

The broker is the real binary from $SAMSA_BINARY (ctest sets it), started on an
ephemeral loopback port (listeners=PLAINTEXT://127.0.0.1:0); the port is read from the
line the broker logs once it answers, and kept for restarts (stop/kill + start) together
with the data directory. Each broker has its own temp directory, removed at teardown. At
teardown a running broker gets SIGTERM and must exit 0; on a failed test the broker's log
is printed. Broker processes die with the test process (PR_SET_PDEATHSIG), and SIGTERM
(ctest timeouts) turns into an orderly exit that runs the same cleanup.

Implemented here rather than imported from tests/integration/harness.py: that harness
probes for a free port first and is run as a script; this one lets the broker pick its
port and is a pytest fixture.
"""

import atexit
import ctypes
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
LOG_TAIL_LINES = 200

READY_LINE = re.compile(
    r"started in [0-9.]+ ms: node (\d+) cluster (\S+) listening on PLAINTEXT://127\.0\.0\.1:(\d+)")

_live = []


def _die_with_parent():
    # In the child before exec: SIGKILL it when the test process dies.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def samsa_binary():
    path = os.environ.get("SAMSA_BINARY")
    if not path:
        pytest.fail("SAMSA_BINARY is not set: point it at the samsa binary "
                    "(ctest sets it to $<TARGET_FILE:samsa>)", pytrace=False)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"SAMSA_BINARY={path!r} is not an executable file", pytrace=False)
    return os.path.abspath(path)


class Broker:
    """One samsa process (or none between stop and start) with its own directory."""

    def __init__(self, binary, overrides=None):
        self.binary = binary
        self.overrides = {"group.initial.rebalance.delay.ms": "0", **(overrides or {})}
        self.dir = tempfile.mkdtemp(prefix="samsa-py-")
        self.data_dir = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "broker.log")
        self.port = 0
        self.node_id = None
        self.cluster_id = None
        self.proc = None
        self.starts = 0
        _live.append(self)

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def command(self):
        listener = f"PLAINTEXT://127.0.0.1:{self.port}"
        cmd = [self.binary, "serve",
               "--override", f"listeners={listener}",
               "--override", f"advertised.listeners={listener}",
               "--override", f"log.dirs={self.data_dir}"]
        for key, value in self.overrides.items():
            cmd += ["--override", f"{key}={value}"]
        return cmd

    def start(self, timeout=READY_TIMEOUT_S):
        assert self.proc is None, "start() while the broker is running"
        self.starts += 1
        cmd = self.command()
        with open(self.log_path, "ab") as logf:
            offset = logf.tell()
            logf.write(f"===== conftest: start #{self.starts}: {' '.join(cmd)}\n".encode())
            logf.flush()
            env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
            self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env,
                                         preexec_fn=_die_with_parent)
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            match = READY_LINE.search(self._log_from(offset))
            if match:
                port = int(match.group(3))
                if self.port and port != self.port:
                    raise AssertionError(f"broker listens on {port}, expected {self.port}")
                self.port = port
                self.node_id = int(match.group(1))
                self.cluster_id = match.group(2)
                print(f"[conftest] broker #{self.starts} up on {self.bootstrap} in "
                      f"{time.monotonic() - t0:.2f}s (pid {self.proc.pid})", flush=True)
                return self
            code = self.proc.poll()
            if code is not None:
                self.proc = None
                raise AssertionError(f"broker exited with code {code} before it was ready")
            if time.monotonic() > deadline:
                raise AssertionError(f"broker not ready after {timeout:.0f}s")
            time.sleep(0.02)

    def _log_from(self, offset):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM; returns the exit code (asserts the broker exits in time)."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"broker ignored SIGTERM for {timeout:.0f}s; killed it")

    def kill9(self):
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait()

    def restart(self):
        code = self.stop()
        assert code == 0, f"broker exited with code {code} on SIGTERM, expected 0"
        return self.start()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        return self._log_from(0)

    def print_log(self):
        lines = self.log_text().splitlines()
        tail = lines[-LOG_TAIL_LINES:]
        print(f"----- broker log {self.log_path} (last {len(tail)} of {len(lines)} lines) -----")
        print("\n".join(tail))
        print("----- end of broker log -----", flush=True)

    def cleanup(self):
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.proc = None
        if os.environ.get("SAMSA_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        if self in _live:
            _live.remove(self)


@atexit.register
def _cleanup_all():
    for broker in list(_live):
        broker.cleanup()


def _exit_on_sigterm(signum, frame):
    raise SystemExit(f"conftest: signal {signum} received")


signal.signal(signal.SIGTERM, _exit_on_sigterm)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report


@pytest.fixture
def broker_factory(request):
    """broker_factory(**overrides) starts a broker with extra config overrides (use
    dotted keys through a dict: broker_factory(overrides={...}))."""
    binary = samsa_binary()
    brokers = []

    def make(overrides=None, start=True):
        b = Broker(binary, overrides)
        brokers.append(b)
        if start:
            b.start()
        return b

    yield make

    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    errors = []
    for b in brokers:
        try:
            if b.running():
                code = b.stop()
                if code != 0:
                    errors.append(f"broker exited with code {code} on SIGTERM, expected 0")
                    failed = True
            elif b.proc is not None:
                code = b.proc.poll()
                b.proc = None
                errors.append(f"broker died during the test (exit code {code})")
                failed = True
            if failed:
                b.print_log()
        finally:
            b.cleanup()
    if errors:
        pytest.fail("; ".join(errors), pytrace=False)


@pytest.fixture
def broker(broker_factory):
    return broker_factory()

