# Java client 3.9.x (Spring Boot 3.5's) against samsa; the sources are in ../clients-common.
# One ctest entry runs every class in one JVM (each class starts its own broker), which
# saves Maven's and the JVM's start per class; run one class by hand with
#   tests/java/run-test.sh clients-kafka39 ClassicGroupTest build/samsa
# ConsumerProtocolGroupTest (group.protocol=consumer) turns itself off on this client.
# CompactionTest (in *Test) starts its broker with log.cleaner.backoff.ms=100 and waits for
# the log cleaner on segment.ms=100 topics: about 12 s, each wait bounded (30 s).
samsa_java_test(clients-kafka39 *Test 900 java-clients)
