"""samsa reset: empties a broker shared by tests, all of it or one test's prefix.
Topics and consumer groups made by confluent-kafka (librdkafka); what the tool deletes
and keeps is checked through the client's own Metadata and ListGroups."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
from harness import check, log, main, wait_until  # noqa: E402


def run_cli(binary, bootstrap, *args, want=0):
    cmd = [binary, "reset", *args, "-b", bootstrap, "--timeout-ms", "5000"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    check(p.returncode == want, f"reset {' '.join(args)}: exit {p.returncode}, expected {want}\n"
          f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def topics(admin):
    return sorted(t for t in admin.list_topics(timeout=10).topics if not t.startswith("__"))


def groups(admin):
    return sorted(g.id for g in admin.list_groups(timeout=10))


def commit_offsets(bootstrap, group, topic):
    """A group with committed offsets and no members (what a finished test leaves)."""
    c = clients.Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    c.commit(offsets=[clients.TopicPartition(topic, 0, 1)], asynchronous=False)
    c.close()


def run(factory, args):
    clients.require_confluent()
    binary = os.path.abspath(args.samsa)
    with factory() as broker:
        bs = broker.bootstrap
        admin = clients.AdminClient({"bootstrap.servers": bs})
        for t in ("a-orders", "a-payments", "b-orders"):
            clients.create_topic(bs, t, 1)
        commit_offsets(bs, "a-group", "a-orders")
        commit_offsets(bs, "b-group", "b-orders")
        # A consumer still in its group: Kafka refuses to delete such a group.
        active = clients.Consumer({"bootstrap.servers": bs, "group.id": "a-active",
                                   "auto.offset.reset": "earliest"})
        active.subscribe(["a-orders"])
        deadline = time.monotonic() + 20
        while not active.assignment() and time.monotonic() < deadline:
            active.poll(0.2)
        check(active.assignment(), "the active consumer got no assignment")
        check(groups(admin) == ["a-active", "a-group", "b-group"], f"groups {groups(admin)}")

        p = run_cli(binary, bs, want=2)
        check("--yes" in p.stderr, p.stderr)
        check(topics(admin) == ["a-orders", "a-payments", "b-orders"], "deleted without --yes")

        # One test's prefix: its topics and idle groups go, its active group is reported.
        p = run_cli(binary, bs, "--yes", "--prefix", "a-", "--format", "json", want=1)
        out = json.loads(p.stdout)["deleted"]
        log(f"reset --prefix a-: {out}")
        status = {(x["kind"], x["name"]): x["error"] for x in out}
        check(status == {("group", "a-active"): "NON_EMPTY_GROUP", ("group", "a-group"): None,
                         ("topic", "a-orders"): None, ("topic", "a-payments"): None},
              f"{status}")
        check("NON_EMPTY_GROUP" in p.stderr, p.stderr)
        wait_until(lambda: topics(admin) == ["b-orders"], 10, "only b-orders left")
        check(groups(admin) == ["a-active", "b-group"], f"groups {groups(admin)}")

        # Everything, once the consumer is gone; internal topics stay.
        active.close()
        p = run_cli(binary, bs, "--yes")
        log(f"reset:\n{p.stdout}")
        check("b-orders" in p.stdout and "b-group" in p.stdout and "a-active" in p.stdout,
              p.stdout)
        wait_until(lambda: topics(admin) == [], 10, "no topic left")
        check(groups(admin) == [], f"groups {groups(admin)}")
        check("__consumer_offsets" in admin.list_topics(timeout=10).topics,
              "the internal offsets topic was deleted")
        p = run_cli(binary, bs, "--yes")
        check(p.stdout.strip() == "nothing to delete", p.stdout)


if __name__ == "__main__":
    main(run)
