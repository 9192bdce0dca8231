# Kafka Streams 4.x exactly-once (exactly_once_v2) word count: a plain run, and one through
# two broker crashes (SIGKILL, restart on the same data) and an application restart with an
# empty state directory (restore from the changelog). Run by hand with
#   tests/java/run-test.sh streams StreamsExactlyOnceTest build/samsa
# RUN_SERIAL: two Streams instances' threads, RocksDB and the broker on the 2-core machines.
samsa_java_test(streams StreamsExactlyOnceTest 600 streams RUN_SERIAL TRUE)
# A sum per key whose changelog samsa's log cleaner compacts (segment.ms=100, cleaner every
# 100 ms); a new instance with an empty state directory restores from the compacted
# changelog and goes on from the right sums; at_least_once and exactly_once_v2 (transaction
# markers in the cleaned changelog). About 25-30 s in all.
samsa_java_test(streams StreamsCompactedRestoreTest 180 streams RUN_SERIAL TRUE)
