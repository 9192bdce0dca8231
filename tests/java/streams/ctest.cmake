# Kafka Streams 4.x exactly-once (exactly_once_v2) word count: a plain run, and one through
# two broker crashes (SIGKILL, restart on the same data) and an application restart with an
# empty state directory (restore from the changelog). Run by hand with
#   tests/java/run-test.sh streams StreamsExactlyOnceTest build/samsa
# RUN_SERIAL: two Streams instances' threads, RocksDB and the broker on the 2-core machines.
samsa_java_test(streams StreamsExactlyOnceTest 600 streams RUN_SERIAL TRUE)
