"""KIP-848 consumer groups with @confluentinc/kafka-javascript (librdkafka 2.15,
group.protocol=consumer): starts samsa with a short consumer heartbeat interval and runs
test_groups_kip848.mjs against it. Skipped (77) when node or the package is missing; the
package is installed outside the tracked node folder, see docs/groups.md."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, TestSkipped, log, main  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "test_groups_kip848.mjs")
NODE848 = os.environ.get("SAMSA_NODE848_DIR", os.path.join(HERE, "node848"))


def run(factory, args):
    if shutil.which("node") is None:
        raise TestSkipped("node is not installed")
    package = os.path.join(NODE848, "node_modules", "@confluentinc", "kafka-javascript")
    if not os.path.isdir(package):
        raise TestSkipped(f"@confluentinc/kafka-javascript is not installed in {NODE848} "
                          "(cd there and run `npm install @confluentinc/kafka-javascript`)")
    # Short heartbeats so that hand-overs take a second, not the 5 s default.
    overrides = {"group.consumer.heartbeat.interval.ms": "500"}
    with factory(overrides=overrides) as broker:
        cmd = ["node", SCRIPT, broker.bootstrap]
        log(f"running {' '.join(cmd)}")
        env = dict(os.environ, SAMSA_NODE848_DIR=NODE848)
        try:
            res = subprocess.run(cmd, cwd=HERE, env=env, timeout=230)
        except subprocess.TimeoutExpired:
            raise TestFailure("test_groups_kip848.mjs did not finish in 230 s")
        if res.returncode == 77:
            raise TestSkipped("test_groups_kip848.mjs reported a skip")
        if res.returncode != 0:
            raise TestFailure(f"test_groups_kip848.mjs exited with code {res.returncode}")


if __name__ == "__main__":
    main(run)
