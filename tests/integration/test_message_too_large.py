"""A record larger than the broker's message.max.bytes is refused promptly with
MESSAGE_TOO_LARGE (librdkafka: MSG_SIZE_TOO_LARGE), not left hanging; the connection
stays usable: a small record produced afterwards is acknowledged."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
from harness import check, log, main  # noqa: E402

BROKER_LIMIT = 10000
TOPIC = "too-large"


def run(factory, args):
    clients.require_confluent()
    with factory(overrides={"message.max.bytes": str(BROKER_LIMIT)}) as broker:
        clients.create_topic(broker.bootstrap, TOPIC, 1)
        dl = clients.DeliveryLog()
        producer = clients.Producer({
            "bootstrap.servers": broker.bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            # The client's own limit is higher, so the broker is the one that refuses.
            "message.max.bytes": 10_000_000,
            "compression.type": "none",
            "message.timeout.ms": 30000,
        })
        t0 = time.monotonic()
        producer.produce(TOPIC, key=b"big", value=b"x" * (5 * BROKER_LIMIT),
                         on_delivery=dl.callback)
        clients.flush(producer, 20)
        elapsed = time.monotonic() - t0
        check(len(dl.errors) == 1, f"expected one delivery error, got {dl.errors} "
              f"(acked: {dl.acked})")
        err = dl.errors[0][1]
        check(err.code() == clients.KafkaError.MSG_SIZE_TOO_LARGE,
              f"error {err.name()} ({err.code()}): {err.str()}, expected MSG_SIZE_TOO_LARGE")
        check(elapsed < 10, f"refusal took {elapsed:.1f}s")
        log(f"{5 * BROKER_LIMIT}-byte record refused with {err.name()} in {elapsed:.2f}s "
            f"(message.max.bytes={BROKER_LIMIT})")

        producer.produce(TOPIC, key=b"small", value=b"ok", on_delivery=dl.callback)
        clients.flush(producer, 20)
        check(len(dl.errors) == 1 and len(dl.acked) == 1,
              f"small record after the refusal: errors {dl.errors[1:]}, acked {dl.acked}")
        got = clients.read_partitions(broker.bootstrap, TOPIC, 1, 1)
        check([m.value() for m in got[0]] == [b"ok"], f"topic holds {[m.value() for m in got[0]]}")
        log("a small record afterwards was acknowledged and is the only record in the topic")


if __name__ == "__main__":
    main(run)
