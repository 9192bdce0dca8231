"""pytest-samsa: a real Kafka-compatible broker for your tests, started in milliseconds.

Each broker is `samsa serve --ephemeral`: free loopback ports, a fresh data directory
that goes when the broker stops, and a stdin pipe held by this process, so the broker
also stops (and cleans up) when the test run dies without a word.

    from pytest_samsa import start

    broker = start()                      # or the samsa_broker fixture
    producer = Producer({"bootstrap.servers": broker.bootstrap_servers})
    ...
    broker.stop()

The binary: the `binary` argument, else $SAMSA_BINARY, else `samsa` on PATH.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

__all__ = ["SamsaBroker", "SamsaError", "find_binary", "start"]

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


class SamsaError(RuntimeError):
    """The broker could not be found, started or stopped; the message says why."""


def find_binary(binary=None):
    """The samsa binary to run: `binary`, else $SAMSA_BINARY, else `samsa` on PATH."""
    path = binary or os.environ.get("SAMSA_BINARY") or shutil.which("samsa")
    if not path:
        raise SamsaError("no samsa binary: set SAMSA_BINARY or put samsa on PATH")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise SamsaError(f"{path!r} is not an executable file")
    return os.path.abspath(path)


class SamsaBroker:
    """One running ephemeral broker. `bootstrap_servers` is what a client's
    bootstrap.servers takes; `http` the console and /metrics (host:port) or None."""

    def __init__(self, proc, info, log_fd):
        self._proc = proc
        self._log_fd = log_fd
        self.info = info
        self.bootstrap_servers = info["bootstrap_servers"]
        self.http = info.get("http")
        self.data_dir = info["data_dir"]
        self.pid = info["pid"]

    @property
    def running(self):
        return self._proc.poll() is None

    def log(self):
        """What the broker logged so far."""
        return _read_log(self._log_fd)

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM, then waits; answers the exit code (0 for an orderly stop). The data
        directory is gone afterwards."""
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
                raise SamsaError(f"samsa {self.pid} ignored SIGTERM for {timeout}s; killed it")
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream:
                stream.close()
        if self._log_fd >= 0:
            os.close(self._log_fd)
            self._log_fd = -1
        return self._proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"SamsaBroker({self.bootstrap_servers}, pid {self.pid})"


def start(binary=None, overrides=None, timeout=READY_TIMEOUT_S):
    """Starts an ephemeral broker and returns once it answers. `overrides`: broker
    settings (Kafka's keys), e.g. {"num.partitions": "3"}."""
    path = find_binary(binary)
    cmd = [path, "serve", "--ephemeral", "--print-ready", "--watch-stdin"]
    for key, value in (overrides or {}).items():
        cmd += ["--override", f"{key}={value}"]
    # The log file is unlinked at once and read through its descriptor: nothing is left in
    # the temp directory even when this process dies without cleaning up (SIGKILL).
    log_fd, log_path = tempfile.mkstemp(prefix="samsa-", suffix=".log")
    os.unlink(log_path)
    # KAFKA_* variables, which samsa reads as settings, are not passed on: a test's broker
    # depends only on its overrides (as with the Java and Go testkits).
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_fd,
                            env=env)
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            break
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            line += chunk
    if not line.endswith(b"\n"):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        tail = _read_log(log_fd)[-3000:]
        os.close(log_fd)
        raise SamsaError(f"samsa did not get ready within {timeout}s (exit code "
                         f"{proc.returncode}); its log:\n{tail}")
    return SamsaBroker(proc, json.loads(line.split(b"\n", 1)[0]), log_fd)


def _read_log(fd):
    """The whole log so far; pread leaves the broker's write offset (shared) alone."""
    if fd < 0:
        return ""
    return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")
