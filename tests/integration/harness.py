"""Integration-test harness: runs the real samsa binary for real Kafka clients.

A test script does:

    from harness import Broker, main, check

    def run(broker_factory, args):
        with broker_factory(overrides={"num.partitions": "3"}) as broker:
            ... use broker.bootstrap ("127.0.0.1:PORT") with a client ...
            check(got == want, "what went wrong")

    if __name__ == "__main__":
        main(run)

`main` parses --samsa (the broker binary, from ctest's $<TARGET_FILE:samsa>), runs the
test, prints the broker's log on failure, and exits 0 (pass), 1 (fail) or 77 (skip,
reported by ctest through SKIP_RETURN_CODE). Every broker process and temp directory is
removed at the end, also on exceptions and interpreter exit (atexit).
"""

import argparse
import atexit
import ctypes
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0

_live_brokers = []


class TestFailure(Exception):
    """A check failed: the message says what was expected and what was seen."""


class TestSkipped(Exception):
    """The test cannot run here (missing client); ctest reports it as skipped."""


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_versions_v0(host, port, timeout=2.0):
    """Sends ApiVersions v0 and returns {api_key: (min, max)} (raises OSError/ValueError).

    v0 is what every client can fall back to, and its response is never flexible.
    """
    correlation_id = 0x5A5A
    client_id = b"samsa-harness"
    header = struct.pack(">hhih", 18, 0, correlation_id, len(client_id)) + client_id
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(struct.pack(">i", len(header)) + header)
        size = struct.unpack(">i", _recv_exact(s, 4))[0]
        if size < 10 or size > 1 << 20:
            raise ValueError(f"ApiVersions response size {size} is implausible")
        body = _recv_exact(s, size)
    got_correlation, error_code, count = struct.unpack_from(">ihi", body, 0)
    if got_correlation != correlation_id:
        raise ValueError(f"correlation id {got_correlation} != {correlation_id}")
    if error_code != 0:
        raise ValueError(f"ApiVersions v0 error code {error_code}")
    apis = {}
    for i in range(count):
        key, lo, hi = struct.unpack_from(">hhh", body, 10 + 6 * i)
        apis[key] = (lo, hi)
    return apis


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        buf += chunk
    return buf


def _die_with_parent():
    """In the child before exec: SIGKILL it if the harness dies (ctest timeout, kill -9),
    so no broker outlives its test even when atexit cannot run."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Broker:
    """One samsa process on 127.0.0.1:port with its own data directory.

    The port and data directory stay the same across restart() and kill9()+start(), so a
    test can check what survives. The broker's stdout and stderr go to broker.log in the
    work directory (appended across restarts, with a marker line per start).
    """

    def __init__(self, binary, overrides=None, config_text="", port=None, keep=False,
                 fd_limit=None):
        self.binary = binary
        self.fd_limit = fd_limit  # RLIMIT_NOFILE, soft and hard, so samsa cannot raise it
        self.overrides = dict(overrides or {})
        self.workdir = tempfile.mkdtemp(prefix="samsa-it-")
        self.data_dir = os.path.join(self.workdir, "data")
        self.log_path = os.path.join(self.workdir, "broker.log")
        self.config_path = os.path.join(self.workdir, "server.properties")
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.proc = None
        self.starts = 0
        self.keep = keep or os.environ.get("SAMSA_KEEP_TMP") == "1"
        self.api_versions = {}
        with open(self.config_path, "w") as f:
            f.write("# written by tests/integration/harness.py\n")
            f.write("group.initial.rebalance.delay.ms=0\n")
            f.write(config_text)
        _live_brokers.append(self)

    @property
    def bootstrap(self):
        return f"{self.host}:{self.port}"

    def command(self):
        listener = f"PLAINTEXT://{self.host}:{self.port}"
        cmd = [self.binary, "serve", "--config", self.config_path,
               "--override", f"listeners={listener}",
               "--override", f"advertised.listeners={listener}",
               "--override", f"log.dirs={self.data_dir}"]
        for key, value in self.overrides.items():
            cmd += ["--override", f"{key}={value}"]
        return cmd

    def start(self, timeout=READY_TIMEOUT_S):
        check(self.proc is None, "start() while the broker is running")
        self.starts += 1
        cmd = self.command()
        with open(self.log_path, "a") as logf:
            logf.write(f"===== harness: start #{self.starts}: {' '.join(cmd)}\n")
            logf.flush()
            env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
            fd_limit = self.fd_limit

            def before_exec():
                _die_with_parent()
                if fd_limit:
                    resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

            self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env,
                                         preexec_fn=before_exec)
        t0 = time.monotonic()
        self._wait_ready(timeout)
        log(f"broker up on {self.bootstrap} in {time.monotonic() - t0:.2f}s "
            f"(pid {self.proc.pid}, start #{self.starts}, {len(self.api_versions)} APIs)")
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                self.proc = None
                raise TestFailure(f"broker exited with code {code} before it was ready")
            try:
                self.api_versions = api_versions_v0(self.host, self.port)
                return
            except (OSError, ValueError, struct.error) as e:
                last_error = e
            time.sleep(0.05)
        raise TestFailure(f"broker not ready after {timeout:.0f}s (last error: {last_error})")

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM and wait; fails the test if the broker does not exit in time."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise TestFailure(f"broker ignored SIGTERM for {timeout:.0f}s; killed it")
        log(f"broker stopped by SIGTERM, exit code {code}")
        return code

    def kill9(self):
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        log("broker killed with SIGKILL")

    def restart(self):
        code = self.stop()
        check(code == 0, f"broker exited with code {code} on SIGTERM, expected 0")
        return self.start()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def print_log(self, max_lines=200):
        lines = self.log_text().splitlines()
        print(f"----- broker log {self.log_path} (last {min(len(lines), max_lines)} "
              f"of {len(lines)} lines) -----")
        for line in lines[-max_lines:]:
            print(line)
        print("----- end of broker log -----", flush=True)

    def cleanup(self):
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.proc = None
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self in _live_brokers:
            _live_brokers.remove(self)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc is not None and not isinstance(exc, TestSkipped):
                self.print_log()
            elif self.proc is not None:
                code = self.stop()
                if code != 0:
                    self.print_log()
                    raise TestFailure(f"broker exited with code {code} on SIGTERM, expected 0")
        finally:
            self.cleanup()
        return False


@atexit.register
def _cleanup_all():
    for broker in list(_live_brokers):
        broker.cleanup()


def _exit_on_sigterm(signum, frame):
    # ctest sends SIGTERM on timeout: turn it into SystemExit so cleanup runs.
    raise SystemExit(f"harness: signal {signum} received")


signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _print_live_logs():
    # Brokers used in a `with` block have printed their log already and are gone.
    for broker in list(_live_brokers):
        broker.print_log()


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate() until true; raises TestFailure naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TestFailure(f"timed out after {timeout}s waiting for {what}")


def main(run):
    parser = argparse.ArgumentParser()
    parser.add_argument("--samsa", default=os.environ.get("SAMSA_BIN"),
                        help="path of the samsa binary (default $SAMSA_BIN)")
    parser.add_argument("--keep", action="store_true", help="keep temp dirs for debugging")
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args()
    if not args.samsa or not os.access(args.samsa, os.X_OK):
        print(f"FAIL: samsa binary not found or not executable: {args.samsa!r}")
        sys.exit(1)

    def factory(**kwargs):
        kwargs.setdefault("keep", args.keep)
        return Broker(os.path.abspath(args.samsa), **kwargs)

    name = os.path.basename(sys.argv[0])
    t0 = time.monotonic()
    try:
        run(factory, args)
    except TestSkipped as e:
        print(f"SKIP {name}: {e}", flush=True)
        sys.exit(77)
    except TestFailure as e:
        _print_live_logs()
        print(f"FAIL {name}: {e}", flush=True)
        sys.exit(1)
    except Exception:  # a client exception is a failure too, with its traceback
        traceback.print_exc()
        _print_live_logs()
        print(f"FAIL {name}: unexpected exception", flush=True)
        sys.exit(1)
    finally:
        _cleanup_all()
    print(f"PASS {name} ({time.monotonic() - t0:.1f}s)", flush=True)
