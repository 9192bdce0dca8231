"""samsa serve --ephemeral, as a test harness uses it: a fresh data directory removed at
exit, free loopback ports announced in a ready file (and a ready line on stdout) once the
broker answers, several instances side by side, and a broker that stops and cleans up
when its harness goes away: the --parent-pid process killed with SIGKILL, or the
--watch-stdin pipe closed. A broker itself killed with SIGKILL leaves its directory; the
next ephemeral broker under the same temp root removes it.

Everything runs under a private TMPDIR, so the test never touches other directories."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
from harness import TestFailure, check, log, main, wait_until  # noqa: E402

READY_S = 20
EXIT_S = 10


class Ephemeral:
    """One `samsa serve --ephemeral` process under `root` (its TMPDIR)."""

    def __init__(self, binary, root, name, extra=(), stdin=subprocess.DEVNULL):
        self.ready_file = os.path.join(root, f"{name}.ready.json")
        self.log_path = os.path.join(root, f"{name}.log")
        env = dict(os.environ, TMPDIR=root)
        cmd = [binary, "serve", "--ephemeral", "--ready-file", self.ready_file,
               "--print-ready", *extra]
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=self.log_file)
        self.info = None

    def wait_ready(self):
        wait_until(lambda: os.path.exists(self.ready_file) or self.proc.poll() is not None,
                   READY_S, f"{self.ready_file}")
        check(self.proc.poll() is None, f"broker exited early:\n{self.log()}")
        with open(self.ready_file) as f:
            text = f.read()
        self.info = json.loads(text)
        # The same JSON is the first line on stdout (the log goes to stderr here).
        line = self.proc.stdout.readline().decode()
        check(json.loads(line) == self.info, f"stdout {line!r} vs file {text!r}")
        return self.info

    def wait_exit(self, what):
        try:
            code = self.proc.wait(timeout=EXIT_S)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"broker still running {EXIT_S}s after {what}:\n{self.log()}")
        return code

    def log(self):
        self.log_file.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()[-4000:]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log_file.close()


def round_trip(bootstrap, topic):
    """An idempotent acks=all producer and a consumer through the announced address."""
    clients.create_topic(bootstrap, topic, 1)
    producer = clients.idempotent_producer(bootstrap)
    dl = clients.DeliveryLog()
    for i in range(100):
        producer.produce(topic, key=str(i).encode(), value=f"v{i}".encode(), on_delivery=dl.callback)
    clients.flush(producer, 30)
    check(not dl.errors, f"delivery errors: {dl.errors[:3]}")
    got = clients.read_partitions(bootstrap, topic, 1, 100)[0]
    check([m.value() for m in got] == [f"v{i}".encode() for i in range(100)],
          f"read {len(got)} records, not the 100 written in order")


def run(factory, args):
    clients.require_confluent()
    binary = os.path.abspath(args.samsa)
    root = tempfile.mkdtemp(prefix="samsa-ephemeral-it-")
    brokers = []
    parent = subprocess.Popen(["sleep", "600"])
    try:
        def start(name, **kw):
            b = Ephemeral(binary, root, name, **kw)
            brokers.append(b)
            return b

        # Two at once, one watching the stand-in harness process.
        a = start("a", extra=["--parent-pid", str(parent.pid)])
        b = start("b")
        ia, ib = a.wait_ready(), b.wait_ready()
        log(f"a: {ia}")
        log(f"b: {ib}")
        for info, proc in ((ia, a.proc), (ib, b.proc)):
            check(info["samsa"] == "ready" and info["ephemeral"] is True, f"{info}")
            check(info["pid"] == proc.pid, f"pid {info['pid']} vs {proc.pid}")
            check(os.path.dirname(info["data_dir"]) == root, f"data dir {info['data_dir']}")
            check(os.path.basename(info["data_dir"]).startswith("samsa-ephemeral-"),
                  f"data dir {info['data_dir']}")
            check(os.path.isdir(info["data_dir"]), f"{info['data_dir']} missing")
            check(info["bootstrap_servers"] == info["listeners"]["PLAINTEXT"], f"{info}")
            check(info["bootstrap_servers"].startswith("127.0.0.1:"), f"{info}")
            check(info["http"] and info["http"].startswith("127.0.0.1:"), f"{info}")
        check(ia["bootstrap_servers"] != ib["bootstrap_servers"], "the same port twice")
        check(ia["http"] != ib["http"], "the same HTTP port twice")
        check(ia["data_dir"] != ib["data_dir"], "the same data dir twice")
        t = time.monotonic()
        round_trip(ia["bootstrap_servers"], "ephemeral-a")
        round_trip(ib["bootstrap_servers"], "ephemeral-b")
        log(f"round trips through both in {time.monotonic() - t:.2f}s")

        # The harness dies without a word: the broker notices, stops and cleans up.
        parent.kill()
        parent.wait()
        t = time.monotonic()
        code = a.wait_exit("its --parent-pid was killed")
        log(f"a exited with {code} {time.monotonic() - t:.2f}s after its parent died")
        check(code == 0, f"exit code {code}:\n{a.log()}")
        check(not os.path.exists(ia["data_dir"]), f"{ia['data_dir']} left behind")
        check(not os.path.exists(a.ready_file), "ready file left behind")
        check("exited: shutting down" in a.log(), f"no shutdown line:\n{a.log()}")

        # SIGTERM (what a harness sends when it stops a broker itself).
        b.proc.send_signal(signal.SIGTERM)
        check(b.wait_exit("SIGTERM") == 0, f"b:\n{b.log()}")
        check(not os.path.exists(ib["data_dir"]), f"{ib['data_dir']} left behind")

        # --watch-stdin: the harness holds the pipe; closing it stops the broker.
        c = start("c", extra=["--watch-stdin"], stdin=subprocess.PIPE)
        ic = c.wait_ready()
        c.proc.stdin.write(b"still here\n")
        c.proc.stdin.flush()
        time.sleep(0.3)
        check(c.proc.poll() is None, f"c stopped on input:\n{c.log()}")
        c.proc.stdin.close()
        check(c.wait_exit("stdin closed") == 0, f"c:\n{c.log()}")
        check(not os.path.exists(ic["data_dir"]), f"{ic['data_dir']} left behind")
        check("stdin closed: shutting down" in c.log(), f"c:\n{c.log()}")

        # SIGKILL of the broker itself leaves its directory; the next one removes it.
        d = start("d")
        idd = d.wait_ready()
        d.proc.kill()
        d.proc.wait()
        check(os.path.isdir(idd["data_dir"]), "a SIGKILLed broker cannot clean up")
        e = start("e")
        ie = e.wait_ready()
        check(not os.path.exists(idd["data_dir"]), f"{idd['data_dir']} not swept")
        check(f"left by ephemeral broker {d.proc.pid}" in e.log(), f"e:\n{e.log()}")
        e.proc.send_signal(signal.SIGINT)
        check(e.wait_exit("SIGINT") == 0, f"e:\n{e.log()}")
        check(not os.path.exists(ie["data_dir"]), f"{ie['data_dir']} left behind")

        # A user's log.dirs is never taken over (nor removed): refused.
        f = start("f", extra=["--override", f"log.dirs={root}/mine"])
        check(f.wait_exit("a refused configuration") == 2, f"f:\n{f.log()}")
        check("cannot be set with it" in f.log(), f"f:\n{f.log()}")

        left = [n for n in os.listdir(root) if n.startswith("samsa-ephemeral-")]
        check(not left, f"left under the temp root: {left}")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for b in brokers:
            b.kill()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(run)
