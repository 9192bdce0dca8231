"""Runs samsa's own tools (`samsa produce`, `samsa group describe`, ...) against a broker,
for the CLI tests: the command line, a time bound and the exit code checked."""
import subprocess

from harness import TestFailure


class CliTool:
    default_timeout = 30

    def __init__(self, samsa, bootstrap):
        self.samsa = samsa
        self.bootstrap = bootstrap

    def cmd(self, tool, *args):
        """`tool` may be a subcommand path such as "group describe"."""
        return [self.samsa, *tool.split(), "-b", self.bootstrap, *args]

    def run(self, tool, *args, stdin=b"", timeout=None, expect=0):
        """Runs the tool to its end; checks the exit code unless `expect` is None."""
        cmd = self.cmd(tool, *args)
        timeout = timeout or self.default_timeout
        try:
            res = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"{' '.join(cmd)} did not finish in {timeout}s")
        if expect is not None and res.returncode != expect:
            raise TestFailure(f"{' '.join(cmd)} exited {res.returncode}, expected {expect}; "
                              f"stderr: {res.stderr.decode(errors='replace')[-1500:]}")
        return res
