"""Transaction crash audit: a transactional producer (confluent-kafka / librdkafka) writes
numbered records in transactions of random size (1-50 records, random partitions of a
3-partition topic), committing or aborting each at random, while the broker is killed with
SIGKILL at random moments and restarted on the same data directory. After a failed call,
and at random after a kill (the application "restarting" mid-transaction), the producer is
replaced by a new instance with the same transactional.id, whose init_transactions fences
the old one and must end what it left open.

The producer's own bookkeeping says what each transaction became:
  committed  commit_transaction() returned;
  aborted    commit_transaction() was never called (aborted, or dropped on an error or
             mid-transaction);
  unknown    commit_transaction() failed (it was in flight around a kill).

At the end a read_committed consumer reads the topic from the beginning: every record of
every committed transaction exactly once, none of an aborted one, no duplicates, each
unknown transaction all or nothing (atomicity), each transaction's records of a partition
in order; read_uncommitted sees everything read_committed does; the last stable offset
equals the log end (no transaction left open). Seeded (SAMSA_TXN_AUDIT_SEED, default
20261206; the kill moments come from it, the interleaving with the load does not) and
bounded (~45 s).
"""
import faulthandler
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
from harness import TestFailure, check, log, main  # noqa: E402

TOPIC = "txn-crash-audit"
PARTITIONS = 3
TXN_ID = "txn-crash-audit"
KILLS = 8
LOAD_SECONDS = 40.0      # the kills are spread over this
DOWN_SECONDS = (0.1, 1.0)
AIMED_SHARE = 0.5        # kills aimed at a running commit_transaction() (its EndTxn)
AIMED_DOWN_SECONDS = (0.5, 2.5)  # around COMMIT_TIMEOUT: some of those commits fail
OP_TIMEOUT = 10.0        # init_transactions, flush and abort bound per call
COMMIT_TIMEOUT = 1.5     # short, so a commit around a kill often ends with its outcome unknown
REPLACE_SHARE = 0.5      # after a kill, the share of times the application "restarts" too
COMMIT_SHARE = 0.6


class Audit:
    def __init__(self):
        self.outcome = {}    # txn -> committed | aborted | unknown
        self.records = {}    # txn -> [partition of record i]
        self.instances = 0
        self.errors = []     # (txn, phase, error) for the log
        self.kill_epoch = 0  # bumped by the main thread after each restart
        self.abandoned = 0   # producers dropped mid-transaction after a kill
        self.committing = None  # the transaction whose commit_transaction() runs now
        self.aimed = []      # transactions a kill was aimed at (their commit was running)


def new_producer(bootstrap):
    return clients.Producer({
        "bootstrap.servers": bootstrap,
        "transactional.id": TXN_ID,
        "transaction.timeout.ms": 20000,
        "message.timeout.ms": 20000,
        "linger.ms": 2,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 300,
        "socket.connection.setup.timeout.ms": 3000,
    })


GRAVEYARD = []


def discard(producer):
    """Drops a producer: it is not used again, and the next instance's init_transactions
    fences it. It is destroyed only at the end, when its requests have been answered:
    librdkafka 2.0.2 can abort the process (assertion `rk->rk_eos.txn_req_cnt > 0` in
    rd_kafka_txn_handle_AddPartitionsToTxn) when an AddPartitionsToTxn fails locally,
    e.g. with __DESTROY, after its transaction was reset."""
    GRAVEYARD.append(producer)


def run_load(bootstrap_fn, rng, deadline, audit):
    """Transactions until the deadline; returns a producer with no transaction open."""
    producer = None
    txn = 0
    seen_epoch = 0
    while True:
        if time.monotonic() > deadline + 45:
            raise TestFailure(f"no usable producer 45 s after the load's end; last errors {audit.errors[-3:]}")
        if producer is None:
            producer = new_producer(bootstrap_fn())
            audit.instances += 1
            try:
                producer.init_transactions(OP_TIMEOUT)
            except clients.confluent_kafka.KafkaException as e:
                audit.errors.append((None, "init", str(e)))
                discard(producer)
                producer = None
                time.sleep(0.2)
                continue
        if time.monotonic() >= deadline:
            return producer
        txn += 1
        size = rng.randint(1, 50)
        commit = rng.random() < COMMIT_SHARE
        parts = [rng.randrange(PARTITIONS) for _ in range(size)]
        audit.records[txn] = parts
        audit.outcome[txn] = "aborted"  # until commit_transaction() is called
        phase = "begin"
        try:
            producer.begin_transaction()
            phase = "produce"
            for i, p in enumerate(parts):
                if i == len(parts) // 2 and audit.kill_epoch != seen_epoch:
                    seen_epoch = audit.kill_epoch
                    if rng.random() < REPLACE_SHARE:
                        # The application restarts mid-transaction, its records so far in
                        # the log: the new instance's init_transactions must abort them.
                        phase = "flush before abandoning"
                        producer.flush(OP_TIMEOUT)
                        raise Abandon()
                while True:
                    try:
                        producer.produce(TOPIC, key=f"{txn}:{i}".encode(),
                                         value=f"t{txn}-r{i}-of-{size}".encode(), partition=p)
                        break
                    except BufferError:
                        producer.poll(0.05)
            # Flushed first: the records are in the log before the transaction ends (an
            # abort would purge unsent ones; a kill aimed at a commit lands in its EndTxn).
            # It also waits until every AddPartitionsToTxn of the transaction succeeded:
            # librdkafka sends EndTxn(abort) even when its only AddPartitionsToTxn was refused
            # with CONCURRENT_TRANSACTIONS (the previous commit still completing), which Kafka
            # answers INVALID_TXN_STATE, fatally (librdkafka issue #4849).
            phase = "flush"
            left = producer.flush(OP_TIMEOUT)
            if left:
                raise clients.confluent_kafka.KafkaException(clients.KafkaError(
                    clients.KafkaError._TIMED_OUT, f"{left} messages not delivered"))
            if commit:
                phase = "commit"
                audit.outcome[txn] = "unknown"
                audit.committing = txn
                try:
                    producer.commit_transaction(COMMIT_TIMEOUT)
                finally:
                    audit.committing = None
                audit.outcome[txn] = "committed"
            else:
                phase = "abort"
                producer.abort_transaction(OP_TIMEOUT)
        except Abandon:
            audit.abandoned += 1
            audit.errors.append((txn, phase, "abandoned after a kill (commit never called)"))
            discard(producer)
            producer = None
        except clients.confluent_kafka.KafkaException as e:
            # Commit failed: outcome unknown (atomicity is all that is checked). Anything
            # else: commit_transaction() was never called, so the transaction must not show.
            audit.errors.append((txn, phase, str(e)))
            discard(producer)
            producer = None


class Abandon(Exception):
    """The load drops its producer in the middle of a transaction."""


def read_all(bootstrap, isolation, timeout=30):
    """Every partition from the beginning to its end for this isolation level: returns
    ({partition: [(offset, key, value)]}, {partition: EOF offset})."""
    consumer = clients.Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "samsa-it-unused",
        "isolation.level": isolation,
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
    })
    try:
        ends = {}
        for p in range(PARTITIONS):
            ends[p] = consumer.get_watermark_offsets(clients.TopicPartition(TOPIC, p), timeout=10)[1]
        consumer.assign([clients.TopicPartition(TOPIC, p, clients.confluent_kafka.OFFSET_BEGINNING)
                         for p in range(PARTITIONS)])
        got = {p: [] for p in range(PARTITIONS)}
        eof = {}
        deadline = time.monotonic() + timeout
        while any(eof.get(p) != ends[p] for p in range(PARTITIONS)):
            if time.monotonic() > deadline:
                raise TestFailure(f"{isolation}: EOF at {eof}, want {ends} within {timeout}s")
            for m in consumer.consume(10000, 0.5):
                if m.error():
                    if m.error().code() == clients.KafkaError._PARTITION_EOF:
                        eof[m.partition()] = m.offset()
                        continue
                    raise TestFailure(f"{isolation} consume error: {m.error()}")
                got[m.partition()].append((m.offset(), m.key().decode(), m.value().decode()))
                eof.pop(m.partition(), None)
        return got, ends
    finally:
        consumer.close()


def verify(audit, committed_view, uncommitted_view):
    seen = {}  # (txn, i) -> (partition, offset)
    per_txn = {}
    for p, recs in committed_view.items():
        last_offset = -1
        last_in_txn = {}
        for offset, key, value in recs:
            check(offset > last_offset, f"read_committed partition {p}: offset {offset} after {last_offset}")
            last_offset = offset
            txn, i = (int(x) for x in key.split(":"))
            check(txn in audit.outcome, f"{p}@{offset}: record {key} of a transaction never begun")
            size = len(audit.records[txn])
            check(value == f"t{txn}-r{i}-of-{size}", f"{p}@{offset}: key {key} value {value!r}")
            check(audit.records[txn][i] == p, f"{key} at partition {p}, produced to {audit.records[txn][i]}")
            check((txn, i) not in seen, f"{key} twice: at {seen.get((txn, i))} and {(p, offset)}")
            seen[(txn, i)] = (p, offset)
            check(last_in_txn.get(txn, -1) < i, f"partition {p}: {key} after record {last_in_txn.get(txn)}")
            last_in_txn[txn] = i
            per_txn.setdefault(txn, []).append(i)
    counts = {"committed": 0, "aborted": 0, "unknown": 0}
    unknown_present = unknown_absent = 0
    for txn, outcome in sorted(audit.outcome.items()):
        counts[outcome] += 1
        size = len(audit.records[txn])
        present = len(per_txn.get(txn, []))
        if outcome == "committed":
            check(present == size, f"committed transaction {txn}: {present} of {size} records visible")
        elif outcome == "aborted":
            check(present == 0, f"aborted transaction {txn}: {present} of {size} records visible "
                  f"(e.g. {sorted(per_txn[txn])[:5]})" if present else "")
        else:
            check(present in (0, size), f"transaction {txn} (outcome unknown at a kill) is partly "
                  f"visible: {present} of {size} records")
            if present:
                unknown_present += 1
            else:
                unknown_absent += 1
    committed_set = {(p, o, k, v) for p, recs in committed_view.items() for o, k, v in recs}
    uncommitted_set = {(p, o, k, v) for p, recs in uncommitted_view.items() for o, k, v in recs}
    missing = committed_set - uncommitted_set
    check(not missing, f"read_uncommitted lacks {len(missing)} records read_committed has: {sorted(missing)[:5]}")
    return counts, unknown_present, unknown_absent, len(seen), len(uncommitted_set)


def run(factory, args):
    faulthandler.dump_traceback_later(120, exit=False)  # where it hangs, if it does
    clients.require_confluent()
    seed = int(os.environ.get("SAMSA_TXN_AUDIT_SEED", "20261206"))
    rng = random.Random(seed)
    kill_rng = random.Random(seed + 1)
    t0 = time.monotonic()
    with factory() as broker:
        clients.create_topic(broker.bootstrap, TOPIC, PARTITIONS)
        audit = Audit()
        kills = 0
        # The kill moments: KILLS random points spread over the load, each with a random
        # time down. The kills and restarts happen on this (the main) thread: the broker
        # dies with the thread that started it (PR_SET_PDEATHSIG), so the load runs on
        # another one.
        slots = sorted(kill_rng.uniform(1.0, LOAD_SECONDS - 2.0) for _ in range(KILLS))
        aimed = [kill_rng.random() < AIMED_SHARE for _ in range(KILLS)]
        downs = [kill_rng.uniform(*(AIMED_DOWN_SECONDS if a else DOWN_SECONDS)) for a in aimed]
        start = time.monotonic()
        result = {}

        def load():
            try:
                result["producer"] = run_load(lambda: broker.bootstrap, rng, start + LOAD_SECONDS, audit)
            except BaseException as e:  # reported by the main thread
                result["error"] = e

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        for at, down, aim in zip(slots, downs, aimed):
            time.sleep(max(0.0, start + at - time.monotonic()))
            if aim:  # wait (up to 2 s) for a commit to be running, and kill in it
                until = time.monotonic() + 2.0
                while audit.committing is None and time.monotonic() < until:
                    time.sleep(0.0005)
                audit.aimed.append(audit.committing)
            broker.kill9()
            kills += 1
            time.sleep(down)
            broker.start()
            audit.kill_epoch += 1
        thread.join(LOAD_SECONDS + 60 - (time.monotonic() - start))
        check(not thread.is_alive(), "the producer finished within 60 s after the load's end "
              f"({len(audit.outcome)} transactions; last errors {audit.errors[-3:]})")
        if "error" in result:
            raise result["error"]
        producer = result["producer"]
        check(broker.running(), "the broker runs after the last restart")
        log(f"load done in {time.monotonic() - start:.1f}s: {len(audit.outcome)} transactions, "
            f"{kills} kills, {audit.instances} producer instances ({audit.abandoned} dropped "
            f"mid-transaction after a kill), {len(audit.errors)} client errors; kills aimed at "
            f"the commit of transactions {audit.aimed}")
        for txn, phase, err in audit.errors[:40]:
            log(f"  txn {txn} {phase}: {err}")
        check(kills == KILLS, f"{kills} kills, want {KILLS}")
        # The last producer has no open transaction: LSO = log end on every partition.
        GRAVEYARD.append(producer)
        del producer
        GRAVEYARD.clear()  # destroys them: every old one is fenced by now

        committed_view, lso = read_all(broker.bootstrap, "read_committed")
        uncommitted_view, hw = read_all(broker.bootstrap, "read_uncommitted")
        check(lso == hw, f"last stable offsets {lso} = log ends {hw} (no transaction left open)")
        counts, unknown_present, unknown_absent, verified, uncommitted_total = verify(
            audit, committed_view, uncommitted_view)
        check(counts["committed"] > 0 and counts["aborted"] > 0, f"both outcomes happened: {counts}")
        log(f"SUMMARY seed {seed}: transactions committed {counts['committed']}, aborted "
            f"{counts['aborted']}, unknown {counts['unknown']} ({unknown_present} visible, "
            f"{unknown_absent} not); kills {kills}; producer instances {audit.instances} "
            f"({audit.abandoned} dropped mid-transaction); "
            f"records verified {verified} read_committed ({uncommitted_total} read_uncommitted, "
            f"log ends {hw}); {time.monotonic() - t0:.1f}s")


if __name__ == "__main__":
    main(run)
