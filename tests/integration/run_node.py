"""Starts samsa and runs one Node.js client script from tests/integration/node against it:
  run_node.py SCRIPT.js [extra overrides key=value ...]
The script gets the bootstrap address as its first argument and must exit 0 on success;
it exits 77 to report a skip."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, TestSkipped, log, main  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


def run(factory, args):
    script = args.rest[0]
    if shutil.which("node") is None:
        raise TestSkipped("node is not installed")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules")):
        raise TestSkipped("node clients not installed: run `npm ci` in tests/integration/node "
                          "(scripts/test.sh does)")
    overrides = dict(kv.split("=", 1) for kv in args.rest[1:])
    with factory(overrides=overrides) as broker:
        cmd = ["node", os.path.join(NODE_DIR, script), broker.bootstrap]
        log(f"running {' '.join(cmd)}")
        try:
            res = subprocess.run(cmd, cwd=NODE_DIR, timeout=240)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"{script} did not finish in 240s")
        if res.returncode == 77:
            raise TestSkipped(f"{script} reported a skip")
        if res.returncode != 0:
            raise TestFailure(f"{script} exited with code {res.returncode}")


if __name__ == "__main__":
    main(run)
