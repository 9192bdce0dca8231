#!/usr/bin/env python3
"""The broker of a Spring Boot test: spring-kafka-test's @EmbeddedKafka (Kafka inside the
test JVM) against samsa's @EmbeddedSamsa (testkit/java/spring, an ephemeral samsa process
per context). The same app (a KafkaTemplate and a @KafkaListener) and the same test body
run under each: 20 test classes, each its own Spring context and broker, in sequence and
then 4 at a time (JUnit's parallel class execution), in one JVM per run, as a build runs
a module's tests.

    /usr/bin/python3 bench/testkit_spring.py [--samsa build/samsa] [--repeat 1]

Builds bench/testkit-spring (after installing testkit/java) with Maven, then runs
dev.samsa.bench.BenchLauncher directly with java (no Maven in the measured time).
Prints, per configuration: the JVM's wall time from launch to exit; per class, the time
from the class's start (before its context and broker exist) to the first record
produced and consumed through the app (first class, median, max); and the peak memory
(RSS, MB) of the whole process tree: the JVM, plus the samsa processes for samsa.
"""
import argparse
import json
import os
import statistics
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = os.path.join(ROOT, "bench", "testkit-spring")


def mvn(*args):
    """Offline first (a warm ~/.m2 needs no network), online when that fails."""
    base = ["mvn", "-B", "-q", "--no-transfer-progress"]
    if subprocess.run(base + ["-o", *args], cwd=ROOT,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        subprocess.run(base + list(args), cwd=ROOT, check=True)


def build():
    mvn("-f", "testkit/java/pom.xml", "install", "-DskipTests")
    classpath_file = os.path.join(MODULE, "target", "classpath.txt")
    mvn("-f", "bench/testkit-spring/pom.xml", "test-compile", "dependency:build-classpath",
        "-Dmdep.outputFile=" + classpath_file, "-Dmdep.includeScope=test")
    with open(classpath_file) as f:
        deps = f.read().strip()
    return ":".join([os.path.join(MODULE, "target", "test-classes"),
                     os.path.join(MODULE, "target", "classes"), deps])


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def is_samsa(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() == "samsa"
    except OSError:
        return False


def tree_rss_kb(root_pid):
    """RSS of root_pid alone, and of its samsa descendants together, from /proc. Only samsa
    processes count: a child the JVM is just spawning shares the JVM's memory for an
    instant (vfork), and would count it twice."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    descendants, stack = 0, list(children.get(root_pid, []))
    while stack:
        pid = stack.pop()
        if is_samsa(pid):
            descendants += rss_kb(pid)
        stack.extend(children.get(pid, []))
    return rss_kb(root_pid), descendants


def run(classpath, broker, parallelism, samsa):
    cmd = ["java", "-cp", classpath, "-Dsamsa.binary=" + samsa,
           "dev.samsa.bench.BenchLauncher", broker, str(parallelism)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"jvm": 0, "children": 0, "total": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            jvm, children = tree_rss_kb(proc.pid)
            peak["jvm"] = max(peak["jvm"], jvm)
            peak["children"] = max(peak["children"], children)
            peak["total"] = max(peak["total"], jvm + children)
            stop.wait(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = proc.communicate(timeout=900)
    wall = time.monotonic() - start
    stop.set()
    sampler.join()
    result = None
    for line in out.splitlines():
        if line.startswith('{"broker"'):
            result = json.loads(line)
    if proc.returncode != 0 or result is None:
        raise SystemExit(f"{broker} x{parallelism} failed ({proc.returncode}):\n{err[-4000:]}")
    firsts = [result["first_record_ms"][k] for k in sorted(result["first_record_ms"])]
    heaps = list(result["heap_after_gc_mb"].values())
    return {"broker": broker, "parallelism": parallelism, "jvm_wall_s": wall,
            "first_class_ms": firsts[0], "median_ms": statistics.median(firsts),
            "max_ms": max(firsts), "heap_after_gc_mb": statistics.median(heaps),
            "peak_jvm_rss_mb": peak["jvm"] / 1024, "peak_samsa_rss_mb": peak["children"] / 1024,
            "peak_rss_mb": peak["total"] / 1024, "classes": result["classes"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samsa", default=os.path.join(ROOT, "build", "samsa"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    samsa = os.path.abspath(args.samsa)
    classpath = build()
    rows = []
    for _ in range(args.repeat):
        for parallelism in (1, 4):
            for broker in ("embedded-kafka", "samsa"):
                row = run(classpath, broker, parallelism, samsa)
                rows.append(row)
                print(json.dumps(row), flush=True)
    print()
    print("first record: from the class's start to the record consumed (ms); heap: the JVM's")
    print("live heap after a GC with the app up (MB, median); RSS peaks in MB: the JVM, the")
    print("samsa processes (all at once), both")
    print(f"{'broker':<15} {'at once':>7} {'wall s':>7} {'1st class':>9} {'median':>7} "
          f"{'max':>6} {'heap':>5} {'JVM RSS':>7} {'samsa RSS':>9} {'total RSS':>9}")
    for r in rows:
        print(f"{r['broker']:<15} {r['parallelism']:>7} {r['jvm_wall_s']:>7.1f} "
              f"{r['first_class_ms']:>9.0f} {r['median_ms']:>7.0f} {r['max_ms']:>6.0f} "
              f"{r['heap_after_gc_mb']:>5.0f} {r['peak_jvm_rss_mb']:>7.0f} "
              f"{r['peak_samsa_rss_mb']:>9.0f} {r['peak_rss_mb']:>9.0f}")


if __name__ == "__main__":
    main()
