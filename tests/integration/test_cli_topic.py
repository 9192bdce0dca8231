"""samsa topic (list, create, describe, alter-config, add-partitions, delete, trim)
against a real samsa, in text and JSON, with the exit codes scripts rely on:
0 done, 1 a Kafka error (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION,
INVALID_CONFIG, INVALID_PARTITIONS, OFFSET_OUT_OF_RANGE), 2 bad usage, 3 unreachable.
What the CLI did is checked independently with confluent_kafka (AdminClient metadata,
a consumer reading from the trimmed log start) and kcat -L -J.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
from harness import TestFailure, check, free_port, log, main  # noqa: E402

DEFAULT_PARTITIONS = 2


class Cli:
    def __init__(self, samsa, bootstrap):
        self.samsa = os.path.abspath(samsa)
        self.bootstrap = bootstrap

    def run(self, *args, expect=0, brokers=None, timeout=30):
        """Runs `samsa topic ARGS -b BOOTSTRAP`; checks the exit code; returns (out, err)."""
        cmd = [self.samsa, "topic", *args, "-b", brokers or self.bootstrap]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"{' '.join(cmd)} did not finish in {timeout}s")
        check(res.returncode == expect,
              f"{' '.join(cmd)} exited {res.returncode}, expected {expect}\n"
              f"stdout: {res.stdout}\nstderr: {res.stderr}")
        return res.stdout, res.stderr

    def json(self, *args, expect=0):
        out, err = self.run(*args, "--format", "json", expect=expect)
        try:
            return json.loads(out), err
        except ValueError as e:
            raise TestFailure(f"topic {' '.join(args)} --format json printed invalid JSON "
                              f"({e}): {out!r}")


def rows(text):
    """A table's lines split into cells (aligned columns, no spaces in cells)."""
    return [line.split() for line in text.strip().splitlines()]


def admin_partitions(bootstrap):
    """{topic: partition count} as librdkafka's AdminClient sees the cluster."""
    md = clients.AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10)
    return {name: len(t.partitions) for name, t in md.topics.items()}


def kcat_partitions(bootstrap, topic):
    res = subprocess.run(["kcat", "-b", bootstrap, "-L", "-J", "-t", topic, "-m", "10"],
                         capture_output=True, text=True, timeout=20)
    check(res.returncode == 0, f"kcat -L exited {res.returncode}: {res.stderr}")
    topics = {t["topic"]: t for t in json.loads(res.stdout)["topics"]}
    check(topic in topics and not topics[topic].get("error"), f"kcat -L: {topics}")
    return len(topics[topic]["partitions"])


def produce(bootstrap, topic, counts):
    """counts: {partition: number of records}."""
    producer = clients.Producer({"bootstrap.servers": bootstrap, "acks": "all",
                                 "message.timeout.ms": 15000})
    for partition, n in counts.items():
        for i in range(n):
            producer.produce(topic, value=f"{partition}-{i}".encode(), partition=partition)
    clients.flush(producer, 20)


def first_offset(bootstrap, topic, partition):
    """The offset of the first record a consumer reads from the beginning."""
    consumer = clients.Consumer({"bootstrap.servers": bootstrap, "group.id": "cli-topic-check",
                                 "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        consumer.assign([clients.TopicPartition(topic, partition,
                                                clients.confluent_kafka.OFFSET_BEGINNING)])
        for _ in range(100):
            msg = consumer.poll(0.2)
            if msg is not None and not msg.error():
                return msg.offset()
        raise TestFailure(f"no record read from {topic}-{partition}")
    finally:
        consumer.close()


def run(factory, args):
    clients.require_confluent()
    with factory(overrides={"num.partitions": str(DEFAULT_PARTITIONS)}) as broker:
        cli = Cli(args.samsa, broker.bootstrap)
        b = broker.bootstrap

        # --- create ---------------------------------------------------------------
        out, _ = cli.run("create", "orders", "-p", "3", "-c", "retention.ms=3600000",
                         "-c", "cleanup.policy=delete")
        table = rows(out)
        check(table[0][:4] == ["TOPIC", "STATUS", "PARTITIONS", "REPLICAS"], f"heading: {out}")
        check(table[1][:4] == ["orders", "created", "3", "1"], f"create orders: {out}")
        created, _ = cli.json("create", "events", "audit")  # the broker's defaults
        check([t["name"] for t in created] == ["events", "audit"], f"create json: {created}")
        for t in created:
            check(t["status"] == "created" and t["partitions"] == DEFAULT_PARTITIONS
                  and t["replication_factor"] == 1 and t["error"] is None
                  and len(t["topic_id"] or "") == 22, f"create with defaults: {t}")
        log(f"created orders (3 partitions) and events, audit (broker default "
            f"{DEFAULT_PARTITIONS}, ids {[t['topic_id'] for t in created]})")

        _, err = cli.run("create", "orders", "-p", "1", expect=1)
        check("TOPIC_ALREADY_EXISTS" in err and "orders" in err, f"create existing: {err}")
        again, _ = cli.json("create", "orders", "--if-not-exists")
        check(again[0]["status"] == "exists" and again[0]["error"] is None,
              f"--if-not-exists: {again}")
        # One of two failing: the other is still created, the exit code is 1.
        mixed, err = cli.json("create", "orders", "payments", "-p", "1", expect=1)
        check([(t["name"], t["status"]) for t in mixed]
              == [("orders", "error"), ("payments", "created")], f"mixed create: {mixed}")
        check(mixed[0]["error"]["name"] == "TOPIC_ALREADY_EXISTS", f"error object: {mixed[0]}")
        _, err = cli.run("create", "bad-config", "-c", "retention.ms=soon", expect=1)
        check("INVALID_CONFIG" in err, f"bad config value: {err}")
        dry, _ = cli.json("create", "dry", "-p", "4", "--dry-run")
        check(dry[0]["status"] == "valid" and dry[0]["partitions"] == 4, f"dry run: {dry}")
        log("create: existing -> 1 TOPIC_ALREADY_EXISTS, --if-not-exists -> 0, "
            "bad value -> 1 INVALID_CONFIG, --dry-run creates nothing")

        # --- list -----------------------------------------------------------------
        listed, _ = cli.json("list")
        by_name = {t["name"]: t for t in listed}
        check(sorted(by_name) == ["audit", "events", "orders", "payments"],
              f"list json: {sorted(by_name)} (dry run and failed topics must not exist)")
        check(by_name["orders"]["partitions"] == 3 and by_name["orders"]["replication_factor"] == 1
              and by_name["orders"]["internal"] is False, f"list orders: {by_name['orders']}")
        out, _ = cli.run("list")
        table = rows(out)
        check(table[0] == ["NAME", "PARTITIONS", "REPLICAS", "INTERNAL"], f"list heading: {out}")
        check(["orders", "3", "1", "no"] in table and ["events", "2", "1", "no"] in table,
              f"list text: {out}")
        seen = admin_partitions(b)
        check(all(seen.get(n) == p for n, p in
                  [("orders", 3), ("events", 2), ("audit", 2), ("payments", 1)]),
              f"AdminClient sees {seen}")
        check("dry" not in seen and "bad-config" not in seen, f"AdminClient sees {seen}")

        # A committed offset makes __consumer_offsets; list hides it unless --internal.
        produce(b, "orders", {0: 10, 1: 5})
        consumer = clients.Consumer({"bootstrap.servers": b, "group.id": "cli-topic",
                                     "enable.auto.commit": False})
        consumer.commit(offsets=[clients.TopicPartition("orders", 0, 3)], asynchronous=False)
        consumer.close()
        names = [t["name"] for t in cli.json("list")[0]]
        check("__consumer_offsets" not in names, f"list shows internal topics: {names}")
        internal = {t["name"]: t for t in cli.json("list", "--internal")[0]}
        check(internal.get("__consumer_offsets", {}).get("internal") is True,
              f"list --internal: {sorted(internal)}")
        log(f"list: {len(names)} topics, --internal adds __consumer_offsets; "
            f"AdminClient agrees: {dict(sorted(seen.items()))}")

        # --- describe -------------------------------------------------------------
        d, _ = cli.json("describe", "orders")
        check(d["name"] == "orders" and d["partition_count"] == 3 and d["replication_factor"] == 1
              and d["internal"] is False and d["topic_id"] == by_name["orders"]["topic_id"],
              f"describe summary: {d}")
        configs = {c["name"]: c for c in d["configs"]}
        check(configs.get("retention.ms", {}).get("value") == "3600000"
              and configs["retention.ms"]["source"] == "DYNAMIC_TOPIC_CONFIG",
              f"describe configs: {configs}")
        check(all(c["source"] != "DEFAULT_CONFIG" for c in d["configs"]),
              f"defaults listed without --all-configs: {d['configs']}")
        parts = {p["partition"]: p for p in d["partitions"]}
        check(sorted(parts) == [0, 1, 2], f"partitions {sorted(parts)}")
        check([(parts[i]["log_start_offset"], parts[i]["high_watermark"]) for i in range(3)]
              == [(0, 10), (0, 5), (0, 0)], f"offsets: {d['partitions']}")
        check(all(p["replicas"] == [p["leader"]] and p["isr"] == [p["leader"]]
                  and p["error"] is None for p in d["partitions"]), f"replicas: {d['partitions']}")
        all_configs = cli.json("describe", "orders", "--all-configs")[0]["configs"]
        check(len(all_configs) > len(d["configs"])
              and any(c["source"] == "DEFAULT_CONFIG" for c in all_configs),
              f"--all-configs lists {len(all_configs)} configs")
        out, _ = cli.run("describe", "orders")
        check("SUMMARY" in out and "CONFIGS" in out and "PARTITIONS" in out, f"sections: {out}")
        check(["retention.ms", "3600000", "DYNAMIC_TOPIC_CONFIG"] in rows(out), f"text: {out}")
        part_rows = {r[0]: r for r in rows(out.split("PARTITIONS")[1])}
        check(part_rows["PARTITION"][-2:] == ["LOG-START-OFFSET", "HIGH-WATERMARK"]
              and part_rows["0"][-2:] == ["0", "10"] and part_rows["1"][-2:] == ["0", "5"],
              f"partition table: {out}")
        _, err = cli.run("describe", "nope", expect=1)
        check("UNKNOWN_TOPIC_OR_PARTITION" in err, f"describe unknown: {err}")
        log("describe: id, non-default configs, offsets 0/10, 0/5, 0/0 in text and JSON")

        # --- alter-config ---------------------------------------------------------
        out, _ = cli.run("alter-config", "orders", "--set", "retention.ms=7200000",
                         "--set", "max.message.bytes=200000", "--delete", "cleanup.policy")
        check(len(out.strip().splitlines()) == 1 and "orders" in out, f"confirmation: {out!r}")
        configs = {c["name"]: c for c in cli.json("describe", "orders")[0]["configs"]}
        check(configs["retention.ms"]["value"] == "7200000"
              and configs["max.message.bytes"]["value"] == "200000"
              and configs.get("cleanup.policy", {}).get("source") != "DYNAMIC_TOPIC_CONFIG",
              f"after alter: {configs}")
        _, err = cli.run("alter-config", "orders", "--set", "retention.ms=forever", expect=1)
        check("INVALID_CONFIG" in err, f"alter bad value: {err}")
        _, err = cli.run("alter-config", "nope", "--set", "retention.ms=1000", expect=1)
        check("UNKNOWN_TOPIC_OR_PARTITION" in err, f"alter unknown topic: {err}")
        log("alter-config: set and delete applied; bad value -> INVALID_CONFIG")

        # --- trim -----------------------------------------------------------------
        t, _ = cli.json("trim", "orders", "--offset", "4", "--partition", "0")
        check(t["partitions"] == [{"partition": 0, "low_watermark": 4, "error": None}],
              f"trim p0 to 4: {t}")
        check(first_offset(b, "orders", 0) == 4, "a consumer from the beginning starts at 4")
        out, _ = cli.run("trim", "orders", "--offset", "-1")
        check(rows(out)[1:] == [["0", "10", "trimmed"], ["1", "5", "trimmed"],
                                ["2", "0", "trimmed"]], f"trim to the high watermark: {out}")
        d, _ = cli.json("describe", "orders")
        check([p["log_start_offset"] for p in d["partitions"]] == [10, 5, 0],
              f"log starts after trim: {d['partitions']}")
        _, err = cli.run("trim", "orders", "--offset", "99", "--partition", "1", expect=1)
        check("OFFSET_OUT_OF_RANGE" in err, f"trim beyond the high watermark: {err}")
        _, err = cli.run("trim", "orders", "--offset", "0", "--partition", "7", expect=1)
        check("UNKNOWN_TOPIC_OR_PARTITION" in err, f"trim unknown partition: {err}")
        log("trim: p0 to 4 (a consumer starts there), -1 to the high watermarks, "
            "beyond -> OFFSET_OUT_OF_RANGE")

        # --- add-partitions -------------------------------------------------------
        out, _ = cli.run("add-partitions", "orders", "-n", "5")
        check("5" in out and "orders" in out, f"add-partitions: {out}")
        check(cli.json("describe", "orders")[0]["partition_count"] == 5, "describe after grow")
        check(kcat_partitions(b, "orders") == 5, "kcat -L sees 5 partitions")
        check(admin_partitions(b)["orders"] == 5, "AdminClient sees 5 partitions")
        _, err = cli.run("add-partitions", "orders", "-n", "2", expect=1)
        check("INVALID_PARTITIONS" in err, f"shrink: {err}")
        log("add-partitions: 3 -> 5 (kcat and AdminClient agree), 5 -> 2 -> INVALID_PARTITIONS")

        # --- delete ---------------------------------------------------------------
        _, err = cli.run("delete", "nope", expect=1)
        check("UNKNOWN_TOPIC_OR_PARTITION" in err and "nope" in err, f"delete unknown: {err}")
        out, _ = cli.run("delete", "events", "audit")
        check(rows(out) == [["TOPIC", "STATUS"], ["events", "deleted"], ["audit", "deleted"]],
              f"delete text: {out}")
        deleted, _ = cli.json("delete", "payments")
        check(deleted == [{"name": "payments", "status": "deleted", "error": None}],
              f"delete json: {deleted}")
        names = [t["name"] for t in cli.json("list")[0]]
        check(names == ["orders"], f"after delete: {names}")
        seen = admin_partitions(b)
        check("events" not in seen and "payments" not in seen, f"AdminClient sees {seen}")
        log("delete: unknown -> 1 UNKNOWN_TOPIC_OR_PARTITION; events, audit, payments gone")

        # --- usage and reachability ----------------------------------------------
        for bad in (["create"], ["create", "x", "-c", "novalue"], ["frobnicate"],
                    ["trim", "orders", "--offset", "-5"], ["alter-config", "orders"],
                    ["list", "--format", "yaml"]):
            _, err = cli.run(*bad, expect=2)
        dead = f"127.0.0.1:{free_port()}"
        _, err = cli.run("list", "--timeout-ms", "2000", brokers=dead, expect=3)
        check(dead in err, f"unreachable message: {err}")
        log("bad usage -> 2, unreachable broker -> 3")


if __name__ == "__main__":
    main(run)
